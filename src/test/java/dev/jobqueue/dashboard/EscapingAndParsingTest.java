package dev.jobqueue.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one escaping function, and the parsing of query strings and form bodies. */
class EscapingAndParsingTest {

  @Test
  void escapingLeavesNoMarkupAndNoWayOutOfAQuotedAttribute() {
    assertThat(Html.escape("<script>alert('x')</script>\"&"))
        .isEqualTo("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;");
    assertThat(new Html().raw("<p title=\"").text("\" onmouseover=\"x").raw("\">").toString())
        .isEqualTo("<p title=\"&quot; onmouseover=&quot;x\">");
    assertThat(new Html().hidden("n", "</textarea>").toString())
        .isEqualTo("<input type=\"hidden\" name=\"n\" value=\"&lt;/textarea&gt;\">");
  }

  @Test
  void parametersAreDecodedAndRepeatedOnesKept() {
    Map<String, List<String>> params =
        FormData.parse("status=failed&status=pending&q=a%20b+c&flag");
    assertThat(params.get("status")).containsExactly("failed", "pending");
    assertThat(params.get("q")).containsExactly("a b c");
    assertThat(params.get("flag")).containsExactly("");
    assertThat(FormData.parse(null)).isEmpty();
  }

  @Test
  void malformedEncodingAndTooManyParametersAre400() {
    assertThatThrownBy(() -> FormData.parse("type=%ZZ"))
        .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("percent-encoding");
    assertThatThrownBy(() -> FormData.parse("a=1&".repeat(FormData.MAX_PARAMETERS + 1)))
        .hasMessageContaining("too many parameters");
  }

  @Test
  void aFormIsRecognizedByItsContentType() {
    assertThat(FormData.isForm("application/x-www-form-urlencoded; charset=UTF-8")).isTrue();
    assertThat(FormData.isForm("multipart/form-data")).isFalse();
    assertThat(FormData.isForm(null)).isFalse();
  }
}
