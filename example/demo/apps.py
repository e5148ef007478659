from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "example.demo"
    label = "demo"
