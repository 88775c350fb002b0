from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from .models import Recording
from .services import user_may_access
from .serving import serve_file


@require_safe
def rendition(request, pk: int, key: str, name: str):
    """A transcoded file. Members-only recordings: signed-in users only; the random key changes on
    every transcode and every audience change, so old links die."""
    recording = get_object_or_404(Recording, pk=pk, status=Recording.Status.READY, rendition_key=key)
    if not user_may_access(recording, request.user):
        raise PermissionDenied("请先登录党员账号后再观看或收听。")
    base = recording.rendition_dir()
    path = (base / name).resolve()
    if base.resolve() not in path.parents or not path.is_file():
        raise Http404("文件不存在")
    return serve_file(request, path, private=recording.members_only)


@require_safe
def original(request, pk: int):
    """The uploaded original, for those who may edit media in the admin."""
    recording = get_object_or_404(Recording, pk=pk)
    user = request.user
    if not (user.is_authenticated and user.has_perm("wagtailadmin.access_admin") and recording.is_editable_by_user(user)):
        raise PermissionDenied("只有编辑可以下载原始文件。")
    if not recording.file:
        raise Http404("原始文件不存在")
    path = Path(recording.file.path)
    if not path.is_file():
        raise Http404("原始文件不存在")
    return serve_file(request, path, private=True, download_name=path.name)
