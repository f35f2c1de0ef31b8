"""Message content for checks: visible text of body and attachments, links, phone numbers, counters."""
from brandguard.content.config import ContentSettings
from brandguard.content.extract import extract
from brandguard.content.model import Attachment, Content, Counters, Link, Phone, TextPart

__all__ = ["Attachment", "Content", "ContentSettings", "Counters", "Link", "Phone", "TextPart", "extract"]
