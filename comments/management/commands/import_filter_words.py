from django.core.management.base import BaseCommand, CommandError

from comments.models import FilterWord
from comments.wordfilter import import_words


class Command(BaseCommand):
    help = (
        "Import filter words from a UTF-8 file, one word a line; lines starting "
        "with # and blank lines are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=FilterWord.Kind.values)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Give words that already exist the imported kind.",
        )

    def handle(self, *args, file, kind, replace, **options):
        try:
            # utf-8-sig: word lists saved by Windows editors start with a BOM.
            with open(file, encoding="utf-8-sig") as lines:
                counts = import_words(lines, kind, replace=replace)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {file}: {error}") from error
        max_length = FilterWord._meta.get_field("word").max_length
        for word in counts["too_long"]:
            self.stderr.write(f"skipped, longer than {max_length} characters: {word}")
        summary = [f"added {counts['added']}"]
        if replace:
            summary.append(f"updated {counts['updated']}")
        summary.append(f"skipped {counts['skipped']}")
        self.stdout.write(", ".join(summary))
