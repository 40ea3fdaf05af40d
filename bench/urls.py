from django.urls import path

from bench import views

urlpatterns = [
    path("plain", views.plain),
    path("front-page", views.front_page),
    path("story-page", views.story_page),
]
