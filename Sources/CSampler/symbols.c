// Symbolization for the profiler, off the signal path: elfutils' libdwfl over this process's
// module map. libdwfl reads each file's full .symtab when there is one (so non-exported Swift
// functions get names, which dladdr cannot give), falls back to .dynsym (libuv, libc), and finds
// separate debug files under /usr/lib/debug by build ID. Demangling uses the Swift runtime.
#define _GNU_SOURCE
#include "csampler.h"

#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Exported by libswiftCore, which every Swift process links.
extern char *swift_demangle(const char *mangled_name, size_t mangled_name_length, char *output_buffer,
                            size_t *output_buffer_size, uint32_t flags);

// libstdc++'s demangler, for the Swift runtime's own C++ frames.
extern char *__cxa_demangle(const char *mangled_name, char *output_buffer, size_t *length, int *status);

struct sampler_symbols {
    Dwfl *dwfl;
};

// Local debug files only (by build ID under /usr/lib/debug): dwfl_standard_find_debuginfo would
// also ask a debuginfod server over the network when DEBUGINFOD_URLS is set.
static char *debuginfo_path = NULL;
static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_build_id_find_debuginfo,
    .debuginfo_path = &debuginfo_path,
};

sampler_symbols *sampler_symbols_open(void) { return sampler_symbols_open_pid(getpid()); }

sampler_symbols *sampler_symbols_open_pid(pid_t pid) {
    Dwfl *dwfl = dwfl_begin(&callbacks);
    if (dwfl == NULL) return NULL;
    dwfl_report_begin(dwfl);
    if (dwfl_linux_proc_report(dwfl, pid) != 0 || dwfl_report_end(dwfl, NULL, NULL) != 0) {
        dwfl_end(dwfl);
        return NULL;
    }
    sampler_symbols *symbols = malloc(sizeof *symbols);
    if (symbols == NULL) {
        dwfl_end(dwfl);
        return NULL;
    }
    symbols->dwfl = dwfl;
    return symbols;
}

void sampler_symbols_close(sampler_symbols *symbols) {
    if (symbols == NULL) return;
    dwfl_end(symbols->dwfl);
    free(symbols);
}

int sampler_symbols_lookup(sampler_symbols *symbols, uintptr_t address, const char **symbol,
                           const char **module, uintptr_t *module_offset) {
    *symbol = NULL;
    *module = NULL;
    *module_offset = 0;
    Dwfl_Module *mod = dwfl_addrmodule(symbols->dwfl, address);
    if (mod == NULL) return -1;
    Dwarf_Addr start = 0;
    const char *path = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
    if (path != NULL) {
        const char *slash = strrchr(path, '/');
        *module = slash ? slash + 1 : path;
    }
    *module_offset = address - (uintptr_t)start;
    GElf_Off offset = 0;
    GElf_Sym sym;
    const char *name = dwfl_module_addrinfo(mod, address, &offset, &sym, NULL, NULL, NULL);
    if (name == NULL || name[0] == '\0') return 0;
    *symbol = name;
    return 1;
}

char *sampler_swift_demangle(const char *name) {
    size_t length = strlen(name);
    // Swift's mangling prefixes: $s (Swift 5+), _$s, $S / _T0 (older), @__swiftmacro_ for macros.
    int swift = (length > 2 && name[0] == '$' && (name[1] == 's' || name[1] == 'S')) ||
                (length > 3 && name[0] == '_' && name[1] == '$' && (name[2] == 's' || name[2] == 'S')) ||
                (length > 3 && strncmp(name, "_T0", 3) == 0);
    if (!swift) return NULL;
    return swift_demangle(name, length, NULL, NULL, 0);
}

char *sampler_cxx_demangle(const char *name) {
    if (strncmp(name, "_Z", 2) != 0) return NULL;
    int status = 0;
    char *demangled = __cxa_demangle(name, NULL, NULL, &status);
    return status == 0 ? demangled : NULL;
}
