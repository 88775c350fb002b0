from django.db import models


class ProtectedLessonDocument(models.Model):
    """A caption or attachment document the lessons app moved into the members-only collection,
    with the collection it came from, so that it can go back there when no members-only lesson
    needs it any more. Documents an editor put into that collection by hand have no row and stay."""

    document = models.OneToOneField(
        "wagtaildocs.Document", verbose_name="文档", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    original_collection = models.ForeignKey(
        "wagtailcore.Collection", verbose_name="原所在文件夹", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    protected_at = models.DateTimeField("移入时间", auto_now_add=True)

    class Meta:
        verbose_name = "仅限党员的党课文档"
        verbose_name_plural = "仅限党员的党课文档"

    def __str__(self):
        return f"{self.document_id} ← {self.original_collection_id}"
