/**
 * What every feature shares and that is not HTTP: the customer this deployment serves and the wiring of
 * each feature to the functions a service exposes ({@code spring.cloud.function.definition}).
 */
@NullMarked
package com.acme.integration.config;

import org.jspecify.annotations.NullMarked;
