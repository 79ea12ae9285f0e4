// Linked into pybcast and python-mpi in sanitizer builds only. Open MPI
// dlclose()s its MCA components at MPI_Finalize; what they never freed is then
// reported by LeakSanitizer as "<unknown module>", which no suppression can
// name. Keeping every library mapped until exit lets tests/sanitize/lsan.supp
// suppress those leaks by library name, and only those.
extern "C" int dlclose(void*) { return 0; }
