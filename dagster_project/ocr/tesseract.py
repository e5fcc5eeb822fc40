"""Tesseract (Debian's tesseract-ocr) on one page image: its TSV output gives every word with its box and
confidence, from which the page's lines are rebuilt with their column gaps."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from io import BytesIO

from dagster_project.ocr.errors import TesseractUnavailable, UnreadableDocument
from dagster_project.ocr.images import Scan
from dagster_project.ocr.textlines import PageText, Word, text_line

LANGUAGE = "eng"
# 4 = one column of text of variable sizes: a table row stays one line (3 splits the columns into blocks,
# 6 drops the large letterhead line).
PAGE_SEGMENTATION = "4"
PAGE_TIMEOUT_S = 120  # a letter page takes one to a few seconds
INSTALL_FIX = ("install it with `apt-get install tesseract-ocr` (`make install` runs this as root), "
               "or set OCR_SERVICE_URL to use the OCR service")


def tesseract_binary() -> str:
    binary = shutil.which("tesseract")
    if binary is None:
        raise TesseractUnavailable(f"the local OCR engine needs the `tesseract` program, which is not on PATH; "
                                   f"{INSTALL_FIX}")
    return binary


def ocr_page(scan: Scan, number: int, source: str) -> PageText:
    """The page's lines and word confidences as Tesseract reads them."""
    png = BytesIO()
    scan.image.save(png, "PNG")
    args = [tesseract_binary(), "stdin", "stdout", "-l", LANGUAGE, "--psm", PAGE_SEGMENTATION]
    if scan.dpi:
        args += ["--dpi", str(scan.dpi)]
    args.append("tsv")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one thread per page: documents run side by side instead
    try:
        done = subprocess.run(args, input=png.getvalue(), capture_output=True, timeout=PAGE_TIMEOUT_S, env=env,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise UnreadableDocument(
            f"{source}: Tesseract did not finish page {number} within {PAGE_TIMEOUT_S} s; split or shrink the "
            "scan, or set OCR_SERVICE_URL to use the OCR service"
        ) from exc
    except OSError as exc:
        raise TesseractUnavailable(f"cannot run tesseract ({exc}); {INSTALL_FIX}") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise TesseractUnavailable(
            f"tesseract failed on page {number} of {source} (exit status {done.returncode}: {' '.join(detail)}); "
            f"check the installation (`tesseract --list-langs` must list {LANGUAGE}): {INSTALL_FIX}"
        )
    return parse_tsv(done.stdout.decode("utf-8", "replace").splitlines(), number)


def parse_tsv(rows: Sequence[str], number: int) -> PageText:
    """Words (level 5 rows) grouped by Tesseract's own block/paragraph/line numbers, in reading order."""
    page = PageText(number)
    lines: dict[tuple[str, str, str], list[Word]] = {}
    for row in rows[1:]:
        fields = row.split("\t")
        if len(fields) != 12 or fields[0] != "5" or not fields[11].strip() or float(fields[10]) < 0:
            continue
        left, top, width, height = (float(value) for value in fields[6:10])
        word = Word(fields[11].strip(), left, top, left + width, top + height, float(fields[10]) / 100)
        lines.setdefault((fields[2], fields[3], fields[4]), []).append(word)
        page.word_confidences.append(word.confidence)
    page.lines = [text_line(words, number) for words in lines.values()]
    return page
