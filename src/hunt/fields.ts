// Sigma's process_creation field names -> prec catalogue fields (SPEC 13). A rule naming any other
// field is unsupported: prec does not record it, and guessing would half-evaluate the rule.
export const FIELD_MAP: Readonly<Record<string, string>> = {
  Image: 'exe',
  CommandLine: 'command',
  ParentImage: 'parent_exe',
  ParentCommandLine: 'parent_cmdline',
  CurrentDirectory: 'cwd',
  User: 'user',
  LogonId: 'auid',
  ProcessId: 'pid',
  ParentProcessId: 'ppid',
};

/**
 * Fields of prec's own pack that Sigma has no name for: written under the catalogue name itself
 * (`exe_deleted: true`). Accepted when the catalogue of this build has them.
 */
export const NATIVE_FIELDS: readonly string[] = ['exe_deleted', 'exe_memfd', 'argv0_mismatch'];
