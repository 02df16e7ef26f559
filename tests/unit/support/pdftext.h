/* Test support for the PDF documents: the text of a rendered PDF as poppler's pdftotext reads
 * it (what a person copying from the document gets), and where a word lands on its page. */
#ifndef AUTOLOGA_TESTS_PDFTEXT_H
#define AUTOLOGA_TESTS_PDFTEXT_H

#include <stddef.h>

/* The text of pdf[0..n) in reading order, without the direction marks pdftotext puts around
 * right-to-left lines; NULL (after printing why) when pdftotext fails or is missing. The
 * caller frees it. */
char *pdftext(const char *pdf, size_t n);

/* The box of the first word `word` on page `page` (1-based) in points from the top-left
 * corner, from pdftotext -bbox; 0 when found, -1 when not. */
int pdftext_word_box(const char *pdf, size_t n, int page, const char *word, double *x_min,
                     double *x_max, double *y_min);

/* s without spaces, tabs and line breaks (the caller frees it): pdftotext places the spaces
 * around a number inside Arabic text on either side of it. */
char *pdftext_squeeze(const char *s);

/* How many times `needle` occurs in `hay` (without overlaps). */
int pdftext_count(const char *hay, const char *needle);

#endif
