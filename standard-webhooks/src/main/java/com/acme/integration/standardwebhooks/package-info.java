/** Signing webhooks as the Standard Webhooks specification describes (https://www.standardwebhooks.com). */
@NullMarked
package com.acme.integration.standardwebhooks;

import org.jspecify.annotations.NullMarked;
