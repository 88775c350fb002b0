from ...services import imports
from ._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import organisations from CSV (code,name,kind,parent_code,established_on); idempotent by code."
    import_function = imports.import_organisations
    noun = "党组织"
