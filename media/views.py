import posixpath

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from .backends import get_storage_backend
from .models import Recording
from .services import signed_url_lifetime, user_may_access


def _clean_name(name: str) -> str:
    normalised = posixpath.normpath(name)
    if name.startswith("/") or normalised.startswith("..") or "\x00" in name or normalised == ".":
        raise Http404("文件不存在")
    return normalised


@require_safe
def rendition(request, pk: int, key: str, name: str):
    """A transcoded file. Access is decided here, on every request, from the recording's flag
    (a switch to members-only counts from its commit, before any file has moved). The random key
    changes on every transcode and every move between locations, so old links die."""
    recording = get_object_or_404(Recording, pk=pk, status=Recording.Status.READY, rendition_key=key)
    if not user_may_access(recording, request.user):
        raise PermissionDenied("请先登录党员账号后再观看或收听。")
    return get_storage_backend().serve(
        request, recording.pk, key, _clean_name(name), private=recording.files_private,
        members_only=recording.members_only, lifetime=signed_url_lifetime(recording),
    )


@require_safe
def original(request, pk: int):
    """The uploaded original, for those who may edit media in the admin."""
    recording = get_object_or_404(Recording, pk=pk)
    user = request.user
    if not (user.is_authenticated and user.has_perm("wagtailadmin.access_admin") and recording.is_editable_by_user(user)):
        raise PermissionDenied("只有编辑可以下载原始文件。")
    if not recording.file:
        raise Http404("原始文件不存在")
    return get_storage_backend().original_response(request, recording.file.name, posixpath.basename(recording.file.name))
