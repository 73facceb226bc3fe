package jns.opensearch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;

/**
 * Replays a token stream that was analysed outside the cluster.
 *
 * <p>The field value is the original text, a marker, then one line per token
 * (the format {@code search/backends/opensearch/stream.py} writes):
 *
 * <pre>
 *   ORIGINAL U+2029 U+0000 "PA1" LF ( TERM TAB POSINC TAB START TAB END LF )*
 * </pre>
 *
 * <p>TERM is escaped ({@code \\ \t \n \r \0}); POSINC is the position
 * increment (0 stacks a token on the previous position, 2 or more leaves a
 * gap); START and END are offsets (UTF-16 code units, as Java strings count)
 * into ORIGINAL, which is the start of the value, so the highlighter cuts
 * its fragments from the original text.  The marker
 * is searched from the end, so ORIGINAL may contain anything; the token lines
 * never contain a raw U+0000.  No text is analysed here: the tokens are
 * emitted exactly as written, or the value is rejected with a message.  The
 * empty string has no tokens; any other value without the marker is
 * rejected, so plain text never reaches this field unanalysed.
 */
public final class PreAnalyzedTokenizer extends Tokenizer {

    /** Separates the original text from the token lines; ends with the format version. */
    public static final String MARK = "\u2029\u0000PA1\n";

    private final CharTermAttribute termAtt = addAttribute(CharTermAttribute.class);
    private final PositionIncrementAttribute posIncAtt = addAttribute(PositionIncrementAttribute.class);
    private final OffsetAttribute offsetAtt = addAttribute(OffsetAttribute.class);

    private final List<String> terms = new ArrayList<>();
    private int[] numbers = new int[0]; // 3 per token: posInc, start, end
    private int next;
    private int valueLength;

    @Override
    public boolean incrementToken() {
        if (next >= terms.size()) {
            return false;
        }
        clearAttributes();
        final int i = next++;
        termAtt.setEmpty().append(terms.get(i));
        posIncAtt.setPositionIncrement(numbers[3 * i]);
        offsetAtt.setOffset(correctOffset(numbers[3 * i + 1]), correctOffset(numbers[3 * i + 2]));
        return true;
    }

    @Override
    public void reset() throws IOException {
        super.reset();
        final StringBuilder sb = new StringBuilder();
        final char[] buffer = new char[8192];
        int n;
        while ((n = input.read(buffer)) != -1) {
            sb.append(buffer, 0, n);
        }
        parse(sb.toString());
        next = 0;
    }

    @Override
    public void end() throws IOException {
        super.end();
        final int finalOffset = correctOffset(valueLength);
        offsetAtt.setOffset(finalOffset, finalOffset);
    }

    private void parse(final String value) {
        terms.clear();
        valueLength = value.length();
        final int mark = value.lastIndexOf(MARK);
        if (value.isEmpty()) {
            numbers = new int[0]; // no tokens (OpenSearch checks every analyzer with "")
            return;
        }
        if (mark < 0) {
            throw new IllegalArgumentException(
                "preanalyzed: the value has no token stream (it must be written by search.backends.opensearch.stream.encode_field)");
        }
        final int textLength = mark;
        int pos = mark + MARK.length();
        final int end = value.length();
        int count = 0;
        int lastStart = 0;
        int[] nums = new int[48];
        while (pos < end) {
            int eol = value.indexOf('\n', pos);
            if (eol < 0) {
                eol = end;
            }
            if (eol > pos) {
                final String[] cols = value.substring(pos, eol).split("\t", -1);
                final int line = count + 1;
                if (cols.length != 4) {
                    throw new IllegalArgumentException("preanalyzed: token " + line + " has " + cols.length + " columns, not 4");
                }
                final String term = unescape(cols[0], line);
                final int posInc = number(cols[1], line, "position increment");
                final int start = number(cols[2], line, "start offset");
                final int stop = number(cols[3], line, "end offset");
                if (term.isEmpty()) {
                    throw new IllegalArgumentException("preanalyzed: token " + line + " has an empty term");
                }
                if (count == 0 && posInc < 1) {
                    throw new IllegalArgumentException("preanalyzed: the first token's position increment must be >= 1");
                }
                if (stop < start || stop > textLength) {
                    throw new IllegalArgumentException("preanalyzed: token " + line + " offsets " + start + "-" + stop
                        + " are outside the original text (length " + textLength + ")");
                }
                if (start < lastStart) {
                    throw new IllegalArgumentException("preanalyzed: token " + line + " starts at " + start
                        + ", before the previous token (" + lastStart + "): offsets must not go backwards");
                }
                lastStart = start;
                if (nums.length < 3 * (count + 1)) {
                    nums = java.util.Arrays.copyOf(nums, nums.length * 2);
                }
                nums[3 * count] = posInc;
                nums[3 * count + 1] = start;
                nums[3 * count + 2] = stop;
                terms.add(term);
                count++;
            }
            pos = eol + 1;
        }
        numbers = nums;
    }

    private static int number(final String s, final int line, final String what) {
        try {
            final int v = Integer.parseInt(s);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("preanalyzed: token " + line + " has a bad " + what + ": '" + s + "'");
        }
    }

    private static String unescape(final String s, final int line) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        final StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i >= s.length()) {
                throw new IllegalArgumentException("preanalyzed: token " + line + " ends with a lone backslash");
            }
            switch (s.charAt(i)) {
                case '\\': sb.append('\\'); break;
                case 't': sb.append('\t'); break;
                case 'n': sb.append('\n'); break;
                case 'r': sb.append('\r'); break;
                case '0': sb.append('\u0000'); break;
                default:
                    throw new IllegalArgumentException("preanalyzed: token " + line + " has an unknown escape \\" + s.charAt(i));
            }
        }
        return sb.toString();
    }
}
