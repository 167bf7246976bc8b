#include <stdio.h>
#include <string.h>

#include "rb_version.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("rankbench %s\n", RB_VERSION);
    return 0;
}
