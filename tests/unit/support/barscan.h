/* Test support for the printed barcodes: a page of a PDF rendered at 300 dpi by poppler's
 * pdftoppm and read by zbar's zbarimg, as a scanner at the chair would read the print. */
#ifndef AUTOLOGA_TESTS_BARSCAN_H
#define AUTOLOGA_TESTS_BARSCAN_H

#include <stddef.h>

/* The data of every barcode zbarimg finds on page `page` (1-based) of pdf[0..n), one per
 * line; "" when it finds none; NULL (after printing why) when a tool fails or is missing.
 * The caller frees it. */
char *barscan_page(const char *pdf, size_t n, int page);

#endif
