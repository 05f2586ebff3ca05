from django.urls import path

from editions import views

urlpatterns = [
    path("city/choose/", views.choose_city, name="choose_city"),
    path("city/widget/<slug:slug>/", views.header_widget, name="city_widget"),
    path("city/<slug:slug>/", views.city_page, name="city"),
]
