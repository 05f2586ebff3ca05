from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaskHealthConfig(AppConfig):
    name = "taskhealth"
    verbose_name = _("Task workers")
