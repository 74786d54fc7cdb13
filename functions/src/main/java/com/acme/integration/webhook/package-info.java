/** Standard Webhooks signature verification: plain classes, no Spring types in the logic. */
@NullMarked
package com.acme.integration.webhook;

import org.jspecify.annotations.NullMarked;
