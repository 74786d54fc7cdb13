/**
 * Cross-cutting HTTP concerns: problem details (the one place that turns exceptions into RFC 9457
 * responses), the request guard for function paths, the response header allow-list, security and
 * logging context.
 */
@NullMarked
package com.acme.integration.config;

import org.jspecify.annotations.NullMarked;
