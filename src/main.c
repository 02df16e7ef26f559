/* Command-line entry of the autologa binary. */
#include <stdio.h>

int
main(void)
{
    puts("autologa 0.1.0");
    return 0;
}
