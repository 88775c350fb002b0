from tabular.imports import ImportCommand, read_rows

from ...services import imports


class Command(ImportCommand):
    help = "从 CSV 或 JSON Lines 导入党组织（code,name,kind,parent_code,established_on），按 code 去重，可重复运行。"
    noun = "党组织"

    def run(self, path, *, progress, options):
        return imports.import_organisations(read_rows(path, required=("code", "name")), progress=progress)
