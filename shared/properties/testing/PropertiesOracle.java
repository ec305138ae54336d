// Test oracle: the real java.util.Properties. Reads one base64 input per stdin line, loads it exactly as Kafka's
// Utils.loadProps does (Properties.load(InputStream), i.e. ISO-8859-1), and prints one JSON line per input:
// {"ok":[[key,value],...]} sorted by key, or {"error":"<exception class>: <message>"}.
// Run with the JDK source launcher: java PropertiesOracle.java
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

public class PropertiesOracle {
    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) b.append(c);
            else b.append(String.format("\\u%04x", (int) c));
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            byte[] bytes = Base64.getDecoder().decode(line.trim());
            Properties p = new Properties();
            try {
                p.load(new ByteArrayInputStream(bytes));
                List<String> keys = new ArrayList<>(p.stringPropertyNames());
                Collections.sort(keys);
                StringBuilder b = new StringBuilder("{\"ok\":[");
                for (int i = 0; i < keys.size(); i++) {
                    if (i > 0) b.append(',');
                    b.append('[').append(json(keys.get(i))).append(',').append(json(p.getProperty(keys.get(i)))).append(']');
                }
                out.append(b.append("]}")).append('\n');
            } catch (Exception e) {
                out.append("{\"error\":").append(json(e.getClass().getName() + ": " + e.getMessage())).append("}\n");
            }
        }
        System.out.print(out);
    }
}
