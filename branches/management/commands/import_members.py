from tabular.imports import ImportCommand, read_rows

from ...services import imports


class Command(ImportCommand):
    help = (
        "从 CSV 或 JSON Lines 导入党员（code,name,branch_code,group_code,role,joined_on,phone,email,username），"
        "按 code 去重，可重复运行。"
    )
    noun = "党员"

    def run(self, path, *, progress, options):
        return imports.import_members(read_rows(path, required=("code", "name")), progress=progress)
