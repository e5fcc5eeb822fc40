"""OCR arrivals: scanned vendor invoices picked up from the inbox, extracted, validated and loaded into `ocr`."""
