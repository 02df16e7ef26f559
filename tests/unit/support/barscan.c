/* Runs pdftoppm and zbarimg on a PDF held in memory, through a temporary directory. */
#include "barscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"

/* The standard output of the shell command `cmd` and its exit status. */
static char *
run(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    struct buf b;
    buf_init(&b, 0);
    char chunk[4096];
    size_t got;
    int ok = p != NULL;
    while (p && (got = fread(chunk, 1, sizeof(chunk), p)) > 0)
        ok = ok && buf_append(&b, chunk, got) == ST_OK;
    *status = p ? pclose(p) : -1;
    if (!ok) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b);
}

char *
barscan_page(const char *pdf, size_t n, int page)
{
    char dir[64] = "/tmp/autologa-scan-XXXXXX", path[128], cmd[512];
    char *out = NULL;
    int status;
    if (!mkdtemp(dir)) {
        fprintf(stderr, "barscan: cannot make a temporary directory\n");
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/doc.pdf", dir);
    FILE *fp = fopen(path, "wb");
    int ok = fp && fwrite(pdf, 1, n, fp) == n;
    if (fp)
        ok = fclose(fp) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "barscan: cannot write %s\n", path);
        goto out;
    }
    snprintf(cmd, sizeof(cmd),
             "pdftoppm -r 300 -png -f %d -l %d -singlefile %s %s/page 2>&1 && "
             "zbarimg --raw -q %s/page.png 2>/dev/null",
             page, page, path, dir, dir);
    out = run(cmd, &status);
    /* zbarimg exits 4 when it finds no barcode: an answer, not a failure. */
    if (out && status != 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 4)) {
        fprintf(stderr, "barscan: '%s' failed (status %d): %s\n", cmd, status, out);
        fprintf(stderr, "barscan: pdftoppm and zbarimg come with poppler-utils and zbar-tools "
                        "(scripts/install-deps test)\n");
        free(out);
        out = NULL;
    }
out:
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "barscan: cannot remove %s\n", dir);
    return out;
}
