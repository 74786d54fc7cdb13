package com.acme.rollout;

import java.util.Arrays;
import java.util.List;

/** The signed smoke traffic a Service gets through its candidate's tag URL (annotation smoke-check). */
enum SmokeCheck {
    /** A signed Standard Webhooks {@code ping} to orderWebhook, answered 200 {"result":"pong"} without forwarding. */
    WEBHOOK_PING("webhook-ping", "/orderWebhook"),
    /** A structured CloudEvent of the smoke type to orderStatusSync, validated and answered 202 without the ERP. */
    STATUS_EVENT("status-event", "/orderStatusSync"),
    /** No smoke traffic: the candidate needs real traffic to reach its floor. */
    NONE("none", null);

    private final String annotation;
    private final String path;

    SmokeCheck(String annotation, String path) {
        this.annotation = annotation;
        this.path = path;
    }

    String annotation() {
        return annotation;
    }

    String path() {
        return path;
    }

    static SmokeCheck find(String value) {
        return Arrays.stream(values()).filter(s -> s.annotation.equals(value.strip())).findFirst().orElse(null);
    }

    static SmokeCheck of(String value) {
        SmokeCheck check = find(value);
        if (check == null) {
            throw new IllegalArgumentException(value);
        }
        return check;
    }

    static List<String> names() {
        return Arrays.stream(values()).map(SmokeCheck::annotation).toList();
    }
}
