from ...services import imports
from ._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import members from CSV (code,name,branch_code,group_code,role,joined_on,phone,email,username)."
    import_function = imports.import_members
    noun = "党员"
