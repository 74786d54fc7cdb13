package com.acme.integration.orders

import tools.jackson.databind.JsonNode
import tools.jackson.databind.json.JsonMapper
import tools.jackson.databind.node.ArrayNode
import tools.jackson.databind.node.ObjectNode

/**
 * The sample webhook bodies under src/test/resources/samples/webhooks/ (shared with scripts/send-webhook.sh), and
 * small edits of them so each test states only what it changes.
 */
object WebhookSamples {

	val json: JsonMapper = JsonMapper.builder().build()

	/** Marks a property or array element to remove in [edit]. */
	val REMOVE = Any()

	fun bytes(name: String): ByteArray =
		requireNotNull(WebhookSamples::class.java.getResourceAsStream("/samples/webhooks/$name")) { "no sample $name" }
			.use { it.readAllBytes() }

	fun tree(name: String): JsonNode = json.readTree(bytes(name))

	fun created(): ByteArray = bytes("order-created.json")

	/**
	 * [sample] with the value at each JSON pointer ("/data/items/0/quantity") replaced: a [JsonNode] is used as is,
	 * [REMOVE] removes it, anything else is converted (so 3 is a JSON number and "3" a string).
	 */
	fun edit(sample: String, vararg changes: Pair<String, Any?>): ByteArray {
		val root = tree(sample)
		for ((pointer, value) in changes) {
			val parts = pointer.removePrefix("/").split("/")
			val parent = parts.dropLast(1).fold(root) { node, part -> if (node.isArray) node.get(part.toInt()) else node.get(part) }
			val last = parts.last()
			val node: JsonNode = value as? JsonNode ?: json.valueToTree(value)
			when (parent) {
				is ObjectNode -> if (value === REMOVE) parent.remove(last) else parent.set(last, node)
				is ArrayNode -> if (value === REMOVE) parent.remove(last.toInt()) else parent.set(last.toInt(), node)
				else -> error("$pointer has no object or array parent in $sample")
			}
		}
		return json.writeValueAsBytes(root)
	}

	fun editCreated(vararg changes: Pair<String, Any?>): ByteArray = edit("order-created.json", *changes)

	/** A JSON value written as JSON text, e.g. raw("24.50") for a number that is not a string. */
	fun raw(jsonText: String): JsonNode = json.readTree(jsonText)

	/** An item like the one in order-created.json with another article number. */
	fun item(articleNo: String, currency: String = "EUR"): JsonNode = raw(
		"""{"articleNo": "$articleNo", "description": "Widget", "quantity": 1, "unitPrice": "19.99", "currency": "$currency"}""")

}
