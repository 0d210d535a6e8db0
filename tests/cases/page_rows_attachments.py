from tests.cases.page_matrix import PageRow

ROWS: list[PageRow] = []
