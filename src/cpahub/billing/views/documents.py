from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from cpahub.billing.documents import FontMissing, invoice_pdf, invoice_xlsx
from cpahub.billing.models import Invoice
from cpahub.core.exports import XLSX_CONTENT_TYPE
from cpahub.core.permissions import VIEW
from cpahub.core.views import get_restricted_object


def _invoice(request, pk):
    return get_restricted_object(request, Invoice.objects.select_related("firm", "client"), VIEW, pk=pk)


def _filename(invoice, extension):
    name = f"invoice-{invoice.number or f'draft-{invoice.pk}'}.{extension}"
    return f"filename=\"{quote(name)}\"; filename*=UTF-8''{quote(name)}"


@login_required
def pdf(request, pk):
    invoice = _invoice(request, pk)
    try:
        content = invoice_pdf(invoice)
    except FontMissing as error:
        return render(request, "billing/font_missing.html", {"error": error, "invoice": invoice}, status=503)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = "inline; " + _filename(invoice, "pdf")
    return response


@login_required
def xlsx(request, pk):
    invoice = _invoice(request, pk)
    response = HttpResponse(invoice_xlsx(invoice), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; " + _filename(invoice, "xlsx")
    return response
