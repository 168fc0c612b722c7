package dev.nalloc.os.linux;

/** Parsing of the {@code key: value kB} lines of {@code /proc/meminfo} and {@code /proc/self/status}. */
final class ProcFiles {

    private ProcFiles() {
    }

    /**
     * The value of a {@code key:} line in bytes (the files give KiB with a {@code kB} suffix), or
     * -1 when the text is null, lacks the key or the value is not a number.
     */
    static long kibibyteField(String text, String key) {
        if (text == null) {
            return -1;
        }
        int from = 0;
        while (from < text.length()) {
            int end = text.indexOf('\n', from);
            if (end < 0) {
                end = text.length();
            }
            if (text.startsWith(key, from) && from + key.length() < end && text.charAt(from + key.length()) == ':') {
                String value = text.substring(from + key.length() + 1, end).trim();
                boolean kib = value.endsWith("kB");
                if (kib) {
                    value = value.substring(0, value.length() - 2).trim();
                }
                try {
                    long n = Long.parseLong(value);
                    return kib ? n * 1024 : n;
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
            from = end + 1;
        }
        return -1;
    }
}
