/* embed.c - build tool: turn files into one C source holding their bytes, so that a program
 * carries its page, script and styles inside it (wsecho's page, wsinspect --html's template)
 * while they stay real files in the repository.
 *
 *   embed OUT.c NAME FILE [NAME FILE ...]
 *
 * For each pair it writes
 *   const unsigned char NAME[] = { ..., 0 };   (the file's bytes, then a NUL)
 *   const size_t NAME_len = <bytes, without the NUL>;
 * The NUL lets a text file be used as a C string too. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int valid_name(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4 || (argc - 2) % 2 != 0) {
        fprintf(stderr, "usage: embed OUT.c NAME FILE [NAME FILE ...]\n");
        return 2;
    }
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    fprintf(out, "/* made by common/embed.c: do not edit */\n#include <stddef.h>\n");
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *name = argv[i], *path = argv[i + 1];
        if (!valid_name(name)) {
            fprintf(stderr, "embed: %s: not a C identifier\n", name);
            fclose(out);
            remove(argv[1]);
            return 2;
        }
        FILE *in = fopen(path, "rb");
        if (!in) {
            perror(path);
            fclose(out);
            remove(argv[1]);
            return 1;
        }
        fprintf(out, "extern const unsigned char %s[];\nextern const size_t %s_len;\n", name, name);
        fprintf(out, "const unsigned char %s[] = {", name);
        size_t n = 0;
        int c;
        while ((c = getc(in)) != EOF) {
            fprintf(out, "%s%u,", n % 20 == 0 ? "\n" : "", (unsigned)c);
            n++;
        }
        if (ferror(in)) {
            perror(path);
            fclose(in);
            fclose(out);
            remove(argv[1]);
            return 1;
        }
        fclose(in);
        fprintf(out, "\n0};\nconst size_t %s_len = %zu;\n", name, n);
    }
    if (fclose(out) != 0) {
        perror(argv[1]);
        remove(argv[1]);
        return 1;
    }
    return 0;
}
