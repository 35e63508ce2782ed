from django.db import models

from cpahub.core.crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    """Text kept SM4-GCM encrypted in the database; Python code sees the plain value.

    Not searchable: pair it with a blind-index column (`crypto.blind_index`) for equality lookups.
    The change log stores a mask of it, never the value.
    """

    sensitive = True

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)
