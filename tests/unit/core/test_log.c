/* Unit tests of src/core/log.c: line format, level filter, one line per call, the 2 KiB cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/log.h"

/* Standard error goes to a temporary file while a test logs, then back. */
static int saved_fd = -1;
static FILE *capture;

static void
capture_start(void)
{
    fflush(stderr);
    capture = tmpfile();
    assert_non_null(capture);
    saved_fd = dup(STDERR_FILENO);
    assert_true(saved_fd >= 0);
    assert_true(dup2(fileno(capture), STDERR_FILENO) >= 0);
}

/* Restores standard error and returns what was written (at most cap - 1 bytes). */
static size_t
capture_end(char *out, size_t cap)
{
    size_t n;

    assert_true(dup2(saved_fd, STDERR_FILENO) >= 0);
    close(saved_fd);
    saved_fd = -1;
    rewind(capture);
    n = fread(out, 1, cap - 1, capture);
    out[n] = '\0';
    fclose(capture);
    capture = NULL;
    return n;
}

static void
test_format(void **state)
{
    char out[512];

    (void)state;
    capture_start();
    log_line(LOG_INFO, "event=start port=%d", 8080);
    log_line(LOG_ERROR, "event=fail path=%s", "/x");
    capture_end(out, sizeof(out));
    /* ts=YYYY-MM-DDTHH:MM:SS.mmmZ is 27 bytes, then one space. */
    assert_int_equal(strncmp(out, "ts=", 3), 0);
    assert_int_equal(out[13], 'T');
    assert_int_equal(out[26], 'Z');
    assert_int_equal(strncmp(out + 27, " level=info event=start port=8080\nts=", 37), 0);
    assert_non_null(strstr(out, " level=info event=start port=8080\nts="));
    assert_non_null(strstr(out, " level=error event=fail path=/x\n"));
    assert_int_equal(out[strlen(out) - 1], '\n');
}

static void
test_levels(void **state)
{
    char out[512];

    (void)state;
    capture_start();
    log_line(LOG_DEBUG, "event=hidden");
    log_set_level(LOG_DEBUG);
    log_line(LOG_DEBUG, "event=shown");
    log_set_level(LOG_WARN);
    log_line(LOG_INFO, "event=dropped");
    log_line(LOG_WARN, "event=warned");
    log_set_level(LOG_INFO);
    capture_end(out, sizeof(out));
    assert_null(strstr(out, "hidden"));
    assert_non_null(strstr(out, "level=debug event=shown\n"));
    assert_null(strstr(out, "dropped"));
    assert_non_null(strstr(out, "level=warn event=warned\n"));
}

static void
test_one_line(void **state)
{
    char out[512];
    char *nl;

    (void)state;
    capture_start();
    log_line(LOG_INFO, "user=%s", "a\nts=forged level=error\r");
    capture_end(out, sizeof(out));
    nl = strchr(out, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], '\0');
    assert_null(strchr(out, '\r'));
}

static void
test_cut(void **state)
{
    char big[5000], out[6000];
    size_t n;

    (void)state;
    memset(big, 'v', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    /* "ts=<24> level=info k=" is 41 bytes, so big[2004] lands on the last byte the line can
     * hold: the two-byte letter that starts there must go whole. */
    memcpy(big + 2004, "\xD8\xA7\xD8\xA7", 4);
    capture_start();
    log_line(LOG_INFO, "k=%s", big);
    n = capture_end(out, sizeof(out));
    assert_int_equal(strstr(out, "k=") + 2 - out, 41);
    assert_int_equal(n, 2046);
    assert_int_equal(out[n - 2], 'v');
    assert_int_equal(out[n - 1], '\n');
    assert_null(memchr(out, '\n', n - 1));

    /* Plain ASCII fills the line up to 2 KiB with its newline. */
    memset(big, 'v', sizeof(big) - 1);
    capture_start();
    log_line(LOG_INFO, "k=%s", big);
    n = capture_end(out, sizeof(out));
    assert_int_equal(n, 2047);
    assert_int_equal(out[n - 1], '\n');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_one_line),
        cmocka_unit_test(test_cut),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
