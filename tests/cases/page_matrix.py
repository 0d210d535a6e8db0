"""Rows of the page isolation matrix (``test_page_isolation_matrix.py``).

Each page module of the ``cases`` app lists its routes in its own rows module
(``page_rows_*.py``) so that a new page without a row fails the suite."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PageRow:
    """One route and method of a page, and what each caller gets.

    ``expected`` names the roles that get an answer other than the default:
    on a case page (``case_page=True``) the default for outsiders is 404 with
    an audit entry, for callers acting for no membership 403, and anonymous
    callers are sent to sign in. Pages not about one case must name every
    role with a membership. ``kwargs`` and ``body`` build the URL arguments
    and the form data from the matrix ``world``; ``files`` builds uploads."""

    name: str
    method: str
    expected: dict[str, int]
    kwargs: Callable[[dict], dict] = lambda world: {"case_id": world["case"].pk}
    body: Callable[[dict], dict] | None = None
    case_page: bool = True
    extra: dict = field(default_factory=dict)
