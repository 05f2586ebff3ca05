from django.urls import path

from . import views

app_name = "variants"
urlpatterns = [
    path("variant/<slug:code>/", views.switch, name="switch"),
]
