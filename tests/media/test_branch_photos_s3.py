"""Meeting photos on S3-compatible storage (#20): in the private bucket only, reached through the
checking view's short-lived signed URL, never through a public or unsigned one."""

import datetime as dt
import io
import urllib.error
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage

from branches.factories import MemberFactory, SessionFactory, organisation
from branches.models import OrganisationKind, Role

pytestmark = [pytest.mark.s3, pytest.mark.django_db]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_a_meeting_photo_lives_in_the_private_bucket_behind_the_checking_view(s3, client, make_user):
    city = organisation("C", kind=OrganisationKind.CITY, name="市委")
    branch_a, branch_b = (
        organisation("A", parent=city, name="甲支部"),
        organisation("B", parent=city, name="乙支部"),
    )
    secretary_user, other_user = make_user("sec_a", role="支部书记"), make_user("mem_b", role="党员")
    MemberFactory(branch=branch_a, role=Role.SECRETARY, user=secretary_user)
    MemberFactory(branch=branch_b, role=Role.MEMBER, user=other_user)
    session = SessionFactory(branch=branch_a, topic="学习会")
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "green").save(buffer, "PNG")
    start = timezone.localtime(session.starts_at)
    client.force_login(secretary_user)
    response = client.post(
        reverse("branches:session_edit", kwargs={"pk": session.pk}),
        {
            "session_type": session.session_type_id,
            "topic": "学习会",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "photo": SimpleUploadedFile("scene.png", buffer.getvalue(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    photo = session.photos.get()
    assert s3.keys(s3.private_bucket, "private/originals/branch-photos/") == [
        f"private/originals/{photo.file.name}"
    ]
    assert not s3.keys(s3.bucket)  # nothing in the public bucket

    url = reverse("branches:session_photo", kwargs={"pk": photo.pk})
    response = client.get(url)
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    status, headers, body = fetch(response["Location"])
    assert status == 200 and body == buffer.getvalue()
    assert headers["Content-Disposition"].startswith("inline")
    unsigned = response["Location"].split("?", 1)[0]
    assert fetch(unsigned)[0] == 403

    client.force_login(other_user)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302 and "/accounts/login/" in client.get(url)["Location"]
