from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "resultsday.catalogue"
    label = "catalogue"
    verbose_name = "Catalogue"
