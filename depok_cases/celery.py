import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "depok_cases.settings")

app = Celery("depok_cases")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
