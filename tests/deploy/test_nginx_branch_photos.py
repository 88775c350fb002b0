"""Meeting photos through nginx (#20): the checking view answers with X-Accel-Redirect into the
private folder, which has no URL of its own; the branch gets the bytes, nobody else."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image as PILImage

pytestmark = pytest.mark.nginx


def test_meeting_photos_only_through_the_checking_view(stack, make_user):
    from branches.factories import MemberFactory, SessionFactory, organisation
    from branches.models import Role, SessionPhoto

    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "red").save(buffer, "PNG")
    branch, other_branch = organisation("A", name="甲支部"), organisation("B", name="乙支部")
    MemberFactory(branch=branch, role=Role.MEMBER, user=make_user("member_a", role="党员"))
    MemberFactory(branch=other_branch, role=Role.MEMBER, user=make_user("member_b", role="党员"))
    session = SessionFactory(branch=branch)
    photo = SessionPhoto(session=session, caption="会议现场")
    photo.file.save("scene.png", ContentFile(buffer.getvalue()), save=True)
    assert str(stack.var_dir / "private") in photo.file.path
    path = f"/branches/photos/{photo.pk}/"

    assert stack.browser().get(path).status == 302  # to the sign-in page
    relative = photo.file.path.split(str(stack.var_dir / "private") + "/", 1)[1]
    assert stack.browser().get(f"/protected-media/{relative}").status == 404
    assert stack.browser().get(f"/media/{relative}").status == 404

    other = stack.browser()
    assert other.sign_in("member_b").status == 302
    assert other.get(path).status == 403

    member = stack.browser()
    assert member.sign_in("member_a").status == 302
    served = member.get(path)
    assert served.status == 200 and served.body == buffer.getvalue()
    assert served.headers["Content-Type"] == "image/png"
    assert "private" in served.headers["Cache-Control"]
    assert "X-Accel-Redirect" not in served.headers
