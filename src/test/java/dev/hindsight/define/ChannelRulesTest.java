package dev.hindsight.define;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The channel rules of {@link BuiltIns#channel}, rule by rule, and the URL parts they read. */
class ChannelRulesTest {
    private static String channel(String referrer, String landing) {
        return BuiltIns.channel(BuiltIns.host(referrer), BuiltIns.host(landing), query(landing));
    }

    private static String query(String url) {
        int q = url.indexOf('?');
        return q < 0 ? null : url.substring(q + 1);
    }

    @Test
    void paidTrafficIsTaggedCpcOrPaidOrCarriesAnAdClickId() {
        assertThat(channel("https://www.google.com/", "https://shop.example/?utm_source=google&utm_medium=cpc")).isEqualTo("paid");
        assertThat(channel(null, "https://shop.example/?utm_medium=Paid_Social&utm_source=facebook")).isEqualTo("paid");
        assertThat(channel("https://www.google.com/", "https://shop.example/?gclid=abc")).isEqualTo("paid");
        assertThat(channel("https://m.facebook.com/", "https://shop.example/?fbclid")).isEqualTo("paid");
        assertThat(channel(null, "https://shop.example/?xgclid=1")).isEqualTo("direct");
    }

    @Test
    void emailIsTaggedByMediumOrByANewsletterSource() {
        assertThat(channel(null, "https://shop.example/?utm_source=newsletter&utm_medium=email")).isEqualTo("email");
        assertThat(channel(null, "https://shop.example/?utm_medium=E-Mail")).isEqualTo("email");
        assertThat(channel("https://mail.example/", "https://shop.example/?utm_source=Newsletter")).isEqualTo("email");
    }

    @Test
    void socialIsTaggedOrComesFromASocialNetwork() {
        assertThat(channel(null, "https://shop.example/?utm_medium=social")).isEqualTo("social");
        assertThat(channel("https://m.facebook.com/story", "https://shop.example/")).isEqualTo("social");
        assertThat(channel("https://t.co/abc", "https://shop.example/")).isEqualTo("social");
        assertThat(channel("https://www.linkedin.com/feed/", "https://shop.example/")).isEqualTo("social");
        assertThat(channel("https://notfacebook.example/", "https://shop.example/")).isEqualTo("referral");
    }

    @Test
    void searchComesFromASearchEngine() {
        assertThat(channel("https://www.google.com/", "https://shop.example/")).isEqualTo("search");
        assertThat(channel("https://www.google.co.uk/search?q=x", "https://shop.example/")).isEqualTo("search");
        assertThat(channel("https://duckduckgo.com/", "https://shop.example/")).isEqualTo("search");
        assertThat(channel("https://www.bing.com/", "https://shop.example/")).isEqualTo("search");
    }

    @Test
    void anyOtherSiteIsAReferralAndNoReferrerOrTheSiteItselfIsDirect() {
        assertThat(channel("https://news.ycombinator.com/item?id=1", "https://shop.example/")).isEqualTo("referral");
        assertThat(channel(null, "https://shop.example/")).isEqualTo("direct");
        assertThat(channel("https://shop.example/cart", "https://shop.example/")).isEqualTo("direct");
        assertThat(channel("https://SHOP.example:443/", "https://shop.example/")).isEqualTo("direct");
        assertThat(channel(null, "https://shop.example/?utm_source=partner")).isEqualTo("direct");
    }

    @Test
    void hostsAndQueryParametersAreReadAsBrowsersWriteThem() {
        assertThat(BuiltIns.host("https://user:pw@Www.Example.COM:8080/a?b#c")).isEqualTo("www.example.com");
        assertThat(BuiltIns.host("/relative")).isNull();
        assertThat(BuiltIns.host(null)).isNull();
        assertThat(BuiltIns.queryParam("a=1&utm_source=caf%C3%A9+bar&utm_source=2", "utm_source")).isEqualTo("café+bar");
        assertThat(BuiltIns.queryParam("utm_source=", "utm_source")).isNull();
        assertThat(BuiltIns.queryParam("xutm_source=1", "utm_source")).isNull();
    }

    @Test
    void unknownBuiltInsAreNamedWithTheListOfBuiltIns() {
        assertThat(BuiltIns.problem("$channel")).isNull();
        assertThat(BuiltIns.problem("$user.plan")).isNull();
        assertThat(BuiltIns.problem("$user.")).contains("user property");
        assertThat(BuiltIns.problem("$chanel")).contains("$channel", "$user.<name>", "$user_at_event.<name>");
        assertThat(BuiltIns.problem("$user_at_event.plan")).isNull();
        assertThat(BuiltIns.problem("$user_at_event.")).contains("user property");
    }
}
