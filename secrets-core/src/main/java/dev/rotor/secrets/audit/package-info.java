/**
 * The tamper-evident audit file: {@link dev.rotor.secrets.audit.ChainedAuditFile} writes every event as one signed,
 * hash-chained line; {@link dev.rotor.secrets.audit.AuditChainVerifier} checks a chain (as a library call, or as the
 * {@code rotor-audit-verifier} command).
 *
 * <h2>Record format</h2>
 *
 * <p>One record per line (JSON Lines, UTF-8, each line ended by {@code \n}). Members in exactly this order, with no
 * white space:
 *
 * <pre>{"seq":N,"prev":"HASH","kv":"VERSION","kid":"KEYID","type":"TYPE","rec":{...},"mac":"MAC"}</pre>
 *
 * <ul>
 *   <li>{@code seq}: 0 for the first record of a chain, then one more per record, across restarts and segments;
 *   <li>{@code prev}: the SHA-256, in lower-case hex, of the previous record's full line (UTF-8 bytes, without the
 *       line break); 64 zeros for seq 0;
 *   <li>{@code kv}: the version id of the key secret that signed the record (a JSON string);
 *   <li>{@code kid}: the key id, the first 16 hex digits of HMAC-SHA256(key, {@code "rotor-audit-key-id"}), which
 *       tells two keys with the same version id apart without revealing either;
 *   <li>{@code type}: {@code open} (a writer started: {@code resumed}, {@code tail} = {@code new}, {@code verified},
 *       {@code mac-mismatch} or {@code key-unavailable}, {@code tailSeq}), {@code event} (a {@link
 *       dev.rotor.secrets.SecretEvent}), {@code gap} ({@code dropped}: how many events the full queue lost), {@code
 *       repair} (a torn last line was cut off on restart: {@code file}, {@code discardedBytes}, {@code
 *       discardedSha256}), {@code roll} (the last record of a segment: {@code segment}, the number the file was
 *       renamed to) or {@code close} (a clean end);
 *   <li>{@code rec}: for an event, exactly the object {@link dev.rotor.secrets.JsonAuditLogger#toJson} makes; for the
 *       others an object with {@code time} and the members named above;
 *   <li>{@code mac}: HMAC-SHA256, in lower-case hex, over the <b>canonical form</b>.
 * </ul>
 *
 * <p><b>Canonical form.</b> The UTF-8 bytes of the line with its last member removed: the line up to (not including)
 * the final {@code ,"mac":"...64 hex digits..."} followed by {@code }}. Nothing is re-serialised: the verifier cuts
 * the suffix off the bytes it read, so the form is byte-exact. A line whose last member is not a well-formed mac, or
 * with a member twice, is MALFORMED.
 *
 * <h2>Files</h2>
 *
 * <p>The active file (say {@code audit.jsonl}) rolls, past its maximum size, to {@code audit.jsonl.1}, then {@code
 * .2}, ...: the higher the number, the newer; the active file is the newest. The verifier reads the segments by
 * number, then the active file. A roll record ends each segment and the next record, in the new file, links to it.
 *
 * <h2>What verification proves</h2>
 *
 * <p>Without the key no record can be changed, added or forged; removing or moving records breaks the sequence and
 * the links. A torn last line is reported as TRUNCATED. Whole records cut from the end leave a valid, shorter chain:
 * the close record tells a clean end, and an anchor ({@link dev.rotor.secrets.audit.ChainedAuditFile#lastWritten()},
 * shipped elsewhere) given to the verifier proves the length. Anyone holding the key can write a consistent chain:
 * keep the key where the file's writers cannot read it except through Rotor.
 */
package dev.rotor.secrets.audit;
