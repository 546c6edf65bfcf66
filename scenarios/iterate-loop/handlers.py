"""The Iterator Lambda function of the tutorial, as a handler: one step of the count."""


def iterator(event, context):
    index = event["index"] + event["step"]
    return {
        "index": index,
        "step": event["step"],
        "count": event["count"],
        "continue": index < event["count"],
    }


HANDLERS = {"Iterator": iterator}
