"""VAT arithmetic in Decimal, rounded half up to the fen (分) as the tax system does per line."""

from decimal import ROUND_HALF_UP, Decimal

from cpahub.billing.choices import FEN

ZERO = Decimal("0.00")


def fen(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def split(amount, rate, includes_tax: bool) -> tuple[Decimal, Decimal, Decimal]:
    """(net, VAT, gross) of one line. With `includes_tax` the amount is the gross (价税合计)."""
    amount, rate = Decimal(amount), Decimal(rate)
    if includes_tax:
        gross = fen(amount)
        net = fen(gross / (1 + rate))
        return net, gross - net, gross
    net = fen(amount)
    tax = fen(net * rate)
    return net, tax, net + tax


def ratio(numerator, denominator) -> Decimal | None:
    """A rate to four places, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


DIGITS = "零壹贰叁肆伍陆柒捌玖"
GROUPS = ("", "万", "亿", "万亿")


def _group(value: int) -> str:
    """Up to four digits in capitals: inner zeros become one 零, trailing zeros are dropped."""
    text, zero, started = "", False, False
    for digit, unit in zip(f"{value:04d}", ("仟", "佰", "拾", ""), strict=True):
        if digit == "0":
            zero = started
            continue
        text += ("零" if zero else "") + DIGITS[int(digit)] + unit
        zero, started = False, True
    return text


def rmb_capital(amount) -> str:
    """The amount in Chinese capitals (人民币大写) as written on invoices and cheques.

    By the accounting rules (会计基础工作规范): 整 after 元 or 角, none after 分; 零 for skipped places.
    """
    amount = fen(amount)
    sign, amount = ("负" if amount < 0 else ""), abs(amount)
    yuan, cents = int(amount), int(amount * 100) % 100
    jiao, fen_ = divmod(cents, 10)
    if not yuan and not cents:
        return "零元整"
    text = ""
    groups = []
    rest = yuan
    while rest:
        rest, part = divmod(rest, 10000)
        groups.append(part)
    pending_zero = False
    for index in reversed(range(len(groups))):
        part = groups[index]
        if part == 0:
            pending_zero = bool(text)
            continue
        if text and (pending_zero or part < 1000):
            text += "零"
        text += _group(part) + GROUPS[index]
        pending_zero = False
    if yuan:
        text += "元"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen_ and yuan:
        text += "零"
    text += DIGITS[fen_] + "分" if fen_ else "整"
    return sign + text
