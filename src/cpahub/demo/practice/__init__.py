"""Generated practice data of a firm (FIRM-1): staff, clients, engagements, time, fees and billing.

Used by `cpahub demo` (the demo firm and lighter data for other firms) and by the practice benchmark
(a firm of 300 staff and a year of time entries). Deterministic for a seed and a last day. Rows are
written with bulk inserts; what the services would keep consistent is kept by construction (see each
module: statuses of sheets and entries, invoice totals and lines, allocations, gap-free numbers).

Modules, in the order `generate` runs them: `staff` (settings, grades, people), `clients`,
`engagements` (timelines and teams), `lifecycle` (status history, sign-offs, report numbers,
milestones), `acceptance`, `timesheets`, `fees` (budgets, agreements), `billing` (expenses, what to
invoice, write-offs), `invoicing` (numbers, credit notes, receipts, allocations).
"""

from cpahub.demo.practice.generate import PracticeError, Result, generate
from cpahub.demo.practice.scale import Scale
from cpahub.demo.practice.staff import Named

__all__ = ["Named", "PracticeError", "Result", "Scale", "generate"]
