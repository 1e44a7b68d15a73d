package dev.hindsight.collect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Splitting page URLs into path, query and hash, including the odd URLs browsers send. */
class UrlsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "https://shop.example.com/products/42?color=red#reviews | /products/42 | color=red | reviews",
        "https://shop.example.com                               | /            | NULL      | NULL",
        "https://shop.example.com/                              | /            | NULL      | NULL",
        "https://shop.example.com?utm_source=x                  | /            | utm_source=x | NULL",
        "https://shop.example.com#top                           | /            | NULL      | top",
        "https://shop.example.com/a#frag?not=query              | /a           | NULL      | frag?not=query",
        "https://shop.example.com/a?q=1#h?x=2                   | /a           | q=1       | h?x=2",
        "https://shop.example.com/a?                            | /a           | ''        | NULL",
        "https://user:pw@shop.example.com:8443/a/b/             | /a/b/        | NULL      | NULL",
        "/relative/path?x=1                                     | /relative/path | x=1     | NULL",
        "file:///C:/Users/page.html                             | /C:/Users/page.html | NULL | NULL",
        "https://shop.example.com/%E2%9C%93?q=%20               | /%E2%9C%93   | q=%20     | NULL"
    })
    void urlIsSplitIntoPathQueryAndHash(String url, String path, String query, String hash) {
        assertThat(Urls.path(url)).isEqualTo(path);
        assertThat(Urls.query(url)).isEqualTo(query);
        assertThat(Urls.hash(url)).isEqualTo(hash);
    }

    @Test
    void missingUrlHasNoParts() {
        assertThat(Urls.path(null)).isNull();
        assertThat(Urls.query(null)).isNull();
        assertThat(Urls.hash(null)).isNull();
    }
}
