from django.db import models
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.images.api.fields import ImageRenditionField
from wagtail.search import index


class SpeakerRole(models.TextChoices):
    LEADER = "leader", "党员领导干部"
    SECRETARY = "secretary", "基层党组织书记"
    MODEL = "model", "先进典型"
    VETERAN = "veteran", "老党员和老模范"


class Speaker(index.Indexed, models.Model):
    """A person who gives lessons; a snippet shared by every lesson they appear in."""

    name = models.CharField("姓名", max_length=60)
    role = models.CharField("身份类别", max_length=20, choices=SpeakerRole.choices)
    organisation = models.CharField("单位", max_length=120, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", verbose_name="照片", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    bio = models.TextField("简介", max_length=500, blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("role"),
        FieldPanel("organisation"),
        FieldPanel("photo"),
        FieldPanel("bio"),
    ]
    api_fields = [
        APIField("name"),
        APIField("role"),
        APIField("role_label", serializer=serializers.CharField(source="get_role_display")),
        APIField("organisation"),
        APIField("bio"),
        APIField("photo", serializer=ImageRenditionField("fill-160x160")),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("organisation"),
        index.FilterField("role"),
    ]

    class Meta:
        verbose_name = "主讲人"
        verbose_name_plural = "主讲人"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "organisation"], name="lessons_speaker_unique_name_org")
        ]

    def __str__(self):
        return f"{self.name}（{self.organisation}）" if self.organisation else self.name
