package org.nemo.bridge.inbound;

import org.nemo.bridge.config.ClasspathText;

/** The inbound statements live in src/main/resources/sql/inbound, one file per statement. */
final class InboundSql {

    private InboundSql() {
    }

    static String load(String name) {
        return ClasspathText.read("sql/inbound/" + name);
    }
}
