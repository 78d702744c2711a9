"""The API's parser, apart from `config.api`: DRF imports it while its own settings load,
before the views `config.api` needs could be imported."""

from rest_framework import exceptions, parsers

from accounts.text_input import NOT_UNICODE, invalid_field_in


class JSONParser(parsers.JSONParser):
    """JSON whose text is all valid Unicode: a lone surrogate ("\\udcff") is refused under
    its field, before any serializer could echo it back in an answer that cannot be
    encoded (`accounts.text_input`)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        field = invalid_field_in(data)
        if field is not None:
            raise exceptions.ValidationError({field: [NOT_UNICODE]})
        return data
