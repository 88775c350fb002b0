"""The four roles of the platform, as Django groups. The data migration that creates them and the
demo loader both use these names; domain apps grant their own model permissions to them."""

EDITOR = "编辑"
MODERATOR = "审核"
SECRETARY = "支部书记"
MEMBER = "党员"
ALL_ROLES = [EDITOR, MODERATOR, SECRETARY, MEMBER]
REVIEW_WORKFLOW = "政治审核"
