package dev.pulse.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {

  private static final List<WebOrigin> NONE = List.of();

  @Test
  void onLoopbackTheLoopbackNamesOfTheBoundPortAreTheOwnOrigins() {
    OriginPolicy policy = new OriginPolicy(BindAddress.of("127.0.0.1"), 8080, NONE);

    assertTrue(policy.originAllowed("http://127.0.0.1:8080"));
    assertTrue(policy.originAllowed("http://LOCALHOST:8080/"));
    assertTrue(policy.originAllowed("http://[::1]:8080"));
    assertFalse(policy.originAllowed("http://127.0.0.1:8081"), "another port is another origin");
    assertFalse(policy.originAllowed("https://127.0.0.1:8080"), "another scheme is another origin");
    assertFalse(policy.originAllowed("http://evil.example:8080"));
    assertFalse(policy.originAllowed("null"));
    assertFalse(policy.originAllowed("http://127.0.0.1:8080/path"));
    assertFalse(policy.originAllowed("not a url at all"));
  }

  @Test
  void onLoopbackOnlyLoopbackNamesAndAllowedOriginsAreAnsweredAgainstDnsRebinding() {
    OriginPolicy policy = new OriginPolicy(BindAddress.of("127.0.0.1"), 8080,
        List.of(WebOrigin.parse("https://ops.example.com"), WebOrigin.parse("http://proxy.internal:9000")));

    assertTrue(policy.hostAllowed("localhost", 8080));
    assertTrue(policy.hostAllowed("127.0.0.1", 8080));
    assertTrue(policy.hostAllowed("[::1]", 8080));
    assertFalse(policy.hostAllowed("localhost", 9999), "the port is part of the check");
    assertFalse(policy.hostAllowed("localhost", -1), "no port means 80");
    assertFalse(policy.hostAllowed("evil.example", 8080));
    assertTrue(policy.hostAllowed("ops.example.com", -1), "behind a TLS proxy: the default port of https");
    assertTrue(policy.hostAllowed("ops.example.com", 443));
    assertFalse(policy.hostAllowed("ops.example.com", 80));
    assertTrue(policy.hostAllowed("proxy.internal", 9000));
    assertTrue(policy.originAllowed("https://ops.example.com:443"));
  }

  @Test
  void onAllInterfacesAnyHostIsAnsweredAndOnlyKnownOriginsMayAct() {
    BindAddress all = BindAddress.of("0.0.0.0");
    OriginPolicy policy = new OriginPolicy(all, 8080, NONE);

    assertTrue(all.wildcard());
    assertFalse(all.loopback());
    assertTrue(policy.hostAllowed("pulse.example.com", 8080));
    assertTrue(policy.originAllowed("http://localhost:8080"), "loopback is one of all the interfaces");
    assertFalse(policy.originAllowed("http://pulse.example.com:8080"), "other names need dashboard.allowed.origins");
  }

  @Test
  void theBindAddressIsClassifiedWithoutDns() {
    assertTrue(BindAddress.of("localhost").loopback());
    assertTrue(BindAddress.of("127.0.0.2").loopback());
    assertTrue(BindAddress.of("::1").loopback());
    assertTrue(BindAddress.of("[::1]").loopback());
    assertTrue(BindAddress.of("::").wildcard());
    assertTrue(BindAddress.of("::ffff:127.0.0.1").loopback());
    assertFalse(BindAddress.of("::2").loopback());
    assertFalse(BindAddress.of("192.168.1.5").loopback());
    assertFalse(BindAddress.of("dashboard.example.com").loopback(), "a name counts as reachable from elsewhere");
  }

  @Test
  void originsAreWrittenAsBrowsersSendThem() {
    assertEquals("http://[::1]:8080", WebOrigin.http("::1", 8080).toString());
    assertEquals(new WebOrigin("https", "ops.example.com", 443), WebOrigin.parse("HTTPS://Ops.Example.com"));
    assertThrows(IllegalArgumentException.class, () -> WebOrigin.parse("ftp://host"));
    assertThrows(IllegalArgumentException.class, () -> WebOrigin.parse("http://user@host"));
  }
}
